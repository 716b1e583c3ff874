/**
 * Who is calling and may they: the API server's front proxy authenticates the user and passes
 * them in X-Remote-* headers over a TLS connection authenticated by its client certificate
 * (trusted only when it chains to the front-proxy CA and names an allowed proxy); a
 * SubjectAccessReview then decides, on the resource names KubeVirt's RBAC uses.
 */
import type { IncomingMessage } from "node:http";
import type { Peer } from "../lib/http/https_server.ts";
import { forbidden, unauthorized } from "../lib/http/status.ts";

/** The user the API server authenticated. */
export interface Caller {
  user: string;
  groups: string[];
  extra: Record<string, string[]>;
  uid?: string;
}

export interface RequestHeaderConfig {
  /** Common names of the client certificates allowed to assert users (empty: any). */
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
  uidHeaders: string[];
}

/** The API server's defaults, as the local stack sets them. */
export const DEFAULT_REQUEST_HEADERS: RequestHeaderConfig = {
  allowedNames: ["front-proxy-client"],
  usernameHeaders: ["X-Remote-User"],
  groupHeaders: ["X-Remote-Group"],
  extraHeaderPrefixes: ["X-Remote-Extra-"],
  uidHeaders: ["X-Remote-Uid"],
};

/** The caller of a proxied request; throws a 401 StatusError when the proxy is not trusted. */
export function callerOf(peer: Peer, headers: Headers, config = DEFAULT_REQUEST_HEADERS): Caller {
  if (!peer.authorized) {
    throw unauthorized(
      `Unauthorized: requests must come through the API server (client certificate: ${
        peer.authorizationError ?? "none"
      })`,
    );
  }
  if (config.allowedNames.length > 0 && !config.allowedNames.includes(peer.commonName ?? "")) {
    throw unauthorized(
      `Unauthorized: client certificate "${peer.commonName}" is not an allowed front proxy`,
    );
  }
  const first = (names: string[]) => names.map((n) => headers.get(n)).find((v) => v) ?? "";
  const user = first(config.usernameHeaders);
  if (!user) throw unauthorized("Unauthorized: the front proxy sent no user");
  const groups = config.groupHeaders.flatMap((name) =>
    (headers.get(name) ?? "").split(",").map((g) => g.trim()).filter((g) => g)
  );
  const extra: Record<string, string[]> = {};
  headers.forEach((value, name) => {
    for (const prefix of config.extraHeaderPrefixes) {
      if (!name.toLowerCase().startsWith(prefix.toLowerCase())) continue;
      const key = decodeURIComponent(name.slice(prefix.length)).toLowerCase();
      extra[key] = [...(extra[key] ?? []), ...value.split(",").map((v) => v.trim())];
    }
  });
  const uid = first(config.uidHeaders);
  return { user, groups, extra, ...(uid ? { uid } : {}) };
}

/** The caller of a proxied upgrade request (node:http's headers); throws as `callerOf`. */
export function callerOfUpgrade(
  peer: Peer,
  req: IncomingMessage,
  config = DEFAULT_REQUEST_HEADERS,
): Caller {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? ""]) headers.append(key, v);
  }
  return callerOf(peer, headers, config);
}

/** What a request asks to do, in RBAC's terms. */
export interface Attributes {
  verb: "get" | "update";
  version: string;
  namespace: string;
  resource: "virtualmachines" | "virtualmachineinstances";
  subresource: string;
  name: string;
}

/** Asks the API server whether `caller` may do `attrs` (a SubjectAccessReview). */
export type Authorizer = (caller: Caller, attrs: Attributes) => Promise<{
  allowed: boolean;
  reason?: string;
}>;

/** The body of the SubjectAccessReview for a call. */
export function subjectAccessReviewFor(caller: Caller, attrs: Attributes) {
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: caller.user,
      groups: caller.groups,
      extra: caller.extra,
      ...(caller.uid ? { uid: caller.uid } : {}),
      resourceAttributes: {
        namespace: attrs.namespace,
        verb: attrs.verb,
        group: "subresources.kubevirt.io",
        version: attrs.version,
        resource: attrs.resource,
        subresource: attrs.subresource,
        name: attrs.name,
      },
    },
  };
}

/** Throws a 403 StatusError unless the authorizer allows the call. */
export async function requireAllowed(
  authorize: Authorizer,
  caller: Caller,
  attrs: Attributes,
): Promise<void> {
  const verdict = await authorize(caller, attrs);
  if (!verdict.allowed) {
    throw forbidden(
      caller.user,
      attrs.verb,
      attrs.resource,
      attrs.subresource,
      attrs.namespace,
      attrs.name,
      verdict.reason,
    );
  }
}
