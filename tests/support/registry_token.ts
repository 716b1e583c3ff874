/**
 * Docker registry bearer tokens (the distribution token spec): JWTs signed ES256 by a key whose
 * certificate travels in the `x5c` header and chains to the registry's `rootcertbundle`.
 */
import { sign } from "node:crypto";
import { encodeBase64 } from "../../lib/base64.ts";

/** One `access` claim entry: what the bearer may do to one resource. */
export interface ResourceActions {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: ResourceActions[];
}

/** A scope parameter, `repository:<name>:<actions>`; undefined when it is not of that shape. */
export function parseScope(scope: string): ResourceActions | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first <= 0 || last <= first + 1) return undefined;
  const actions = scope.slice(last + 1).split(",").filter(Boolean);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

/**
 * What a token grants for the requested scopes: repository scopes only, and of their actions
 * only those `allowed` holds. An anonymous caller is allowed nothing but still gets a token,
 * as public registries answer, so the registry is the one that refuses its pull.
 */
export function grantedAccess(scopes: string[], allowed: string[]): ResourceActions[] {
  const granted: ResourceActions[] = [];
  for (const scope of scopes) {
    const wanted = parseScope(scope);
    if (!wanted || wanted.type !== "repository") continue;
    const actions = wanted.actions.filter((a) => allowed.includes(a));
    if (actions.length > 0) granted.push({ ...wanted, actions });
  }
  return granted;
}

/** The claims of a token for `subject`, valid for `lifetimeSeconds` from `now` (seconds). */
export function tokenClaims(options: {
  issuer: string;
  service: string;
  subject: string;
  access: ResourceActions[];
  now: number;
  lifetimeSeconds: number;
}): TokenClaims {
  return {
    iss: options.issuer,
    sub: options.subject,
    aud: options.service,
    exp: options.now + options.lifetimeSeconds,
    nbf: options.now,
    iat: options.now,
    jti: crypto.randomUUID(),
    access: options.access,
  };
}

/** A compact JWS: ES256 over header.claims, with the signer's certificate in `x5c`. */
export function signToken(
  claims: TokenClaims,
  signer: { certPem: string; keyPem: string },
): string {
  const header = { typ: "JWT", alg: "ES256", x5c: [derBase64Of(signer.certPem)] };
  const input = `${base64Url(JSON.stringify(header))}.${base64Url(JSON.stringify(claims))}`;
  // JWS wants the raw r||s form of the ECDSA signature, not DER.
  const signature = sign("sha256", new TextEncoder().encode(input), {
    key: signer.keyPem,
    dsaEncoding: "ieee-p1363",
  });
  return `${input}.${base64Url(new Uint8Array(signature))}`;
}

/** The standard base64 of a PEM certificate's DER: its body without armour and line breaks. */
export function derBase64Of(pem: string): string {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!match) throw new Error("Cannot read the signing certificate: no PEM certificate");
  return match[1]!.replace(/\s+/g, "");
}

/** base64url without padding, of text or bytes. */
export function base64Url(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return encodeBase64(bytes).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}
