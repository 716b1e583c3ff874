/**
 * Kubernetes Status bodies for the errors of the subresource API and the agent's node API, worded
 * as KubeVirt's virt-api words them.
 */
import type { Status } from "../kube/object.ts";

/** An error the subresource API answers with a Status body and its code. */
export class StatusError extends Error {
  override name = "StatusError";
  constructor(readonly status: Status & { code: number }) {
    super(status.message ?? "");
  }
}

function failure(
  code: number,
  reason: string,
  message: string,
  details?: Status["details"] & { group?: string },
): StatusError {
  return new StatusError({
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message,
    reason,
    code,
    ...(details ? { details } : {}),
  });
}

/** KubeVirt names resources in its errors by their singular: `virtualmachine.kubevirt.io`. */
export type KubevirtResource = "virtualmachine" | "virtualmachineinstance";

/** 404: `virtualmachine.kubevirt.io "web" not found`. */
export const notFound = (resource: KubevirtResource, name: string) =>
  failure(404, "NotFound", `${resource}.kubevirt.io "${name}" not found`, {
    name,
    group: "kubevirt.io",
    kind: resource,
  });

/** 409: `Operation cannot be fulfilled on virtualmachine.kubevirt.io "web": VM is already running`. */
export const conflict = (resource: KubevirtResource, name: string, why: string) =>
  failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${resource}.kubevirt.io "${name}": ${why}`,
    {
      name,
      group: "kubevirt.io",
      kind: resource,
    },
  );

/** 400 with the given message. */
export const badRequest = (message: string) => failure(400, "BadRequest", message);

/** 401: the caller is not the API server's front proxy. */
export const unauthorized = (message: string) => failure(401, "Unauthorized", message);

/** 403 in the API server's words for an RBAC denial. */
export const forbidden = (
  user: string,
  verb: string,
  resource: string,
  subresource: string,
  namespace: string,
  name: string,
  why?: string,
) =>
  failure(
    403,
    "Forbidden",
    `${resource}.subresources.kubevirt.io "${name}" is forbidden: User "${user}" cannot ${verb} ` +
      `resource "${resource}/${subresource}" in API group "subresources.kubevirt.io" in the ` +
      `namespace "${namespace}"${why ? `: ${why}` : ""}`,
    { name, group: "subresources.kubevirt.io", kind: resource },
  );

/** 404 for a path this API does not serve. */
export const noRoute = (path: string) =>
  failure(404, "NotFound", `the server could not find the requested resource: ${path}`);

/** 500 with what went wrong. */
export const internal = (message: string) =>
  failure(500, "InternalError", `Internal error occurred: ${message}`);

/** 501 for a subresource this implementation does not provide yet. */
export const notImplemented = (message: string) => failure(501, "NotImplemented", message);

/** 503: a dependency (the node agent) cannot be reached. */
export const unavailable = (message: string) => failure(503, "ServiceUnavailable", message);

/** The Response of a StatusError (or of anything else thrown, as a 500). */
export function statusResponse(error: unknown): Response {
  const status = error instanceof StatusError
    ? error.status
    : internal(error instanceof Error ? error.message : String(error)).status;
  return Response.json(status, { status: status.code });
}
