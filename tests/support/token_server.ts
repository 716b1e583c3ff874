/**
 * A token server for tests: `GET <realm>?service=...&scope=...` on loopback answers
 * `{ token, access_token, expires_in, issued_at }` as Docker's token authentication spec says,
 * checking Basic credentials. Known users get what they ask of their actions; anonymous callers
 * get a token with no access; a wrong password gets a 401.
 */
import { grantedAccess, type ResourceActions, signToken, tokenClaims } from "./registry_token.ts";

export interface TokenServerOptions {
  /** The registry's `auth.token.service`: the token's audience. */
  service: string;
  /** The registry's `auth.token.issuer`. */
  issuer: string;
  /** PEM certificate and key that sign; the certificate chains to the registry's root bundle. */
  signer: { certPem: string; keyPem: string };
  /** user -> password; each may pull and push every repository. */
  users: Record<string, string>;
  /** Serve HTTPS with this PEM certificate and key; plain HTTP without. */
  tls?: { cert: string; key: string };
  lifetimeSeconds?: number;
}

/** One token handed out, for tests to check what was asked and granted. */
export interface IssuedToken {
  subject: string;
  scopes: string[];
  access: ResourceActions[];
}

export interface TokenServer {
  /** The URL to put in the registry's `auth.token.realm`. */
  realm: string;
  issued: IssuedToken[];
  close(): Promise<void>;
}

/** Serve tokens on 127.0.0.1 until `close()`. */
export function startTokenServer(options: TokenServerOptions): TokenServer {
  const issued: IssuedToken[] = [];
  const lifetimeSeconds = options.lifetimeSeconds ?? 300;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...(options.tls ?? {}) },
    (request) => {
      const url = new URL(request.url);
      if (url.pathname !== "/token") return new Response("not found\n", { status: 404 });
      const subject = callerOf(request.headers.get("authorization"), options.users);
      if (subject === undefined) {
        return new Response('{"details":"incorrect username or password"}\n', {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="denovirt-token-server"' },
        });
      }
      if (url.searchParams.get("service") !== options.service) {
        return new Response('{"details":"unknown service"}\n', { status: 400 });
      }
      const scopes = url.searchParams.getAll("scope").flatMap((s) => s.split(" ")).filter(Boolean);
      const access = grantedAccess(scopes, subject === "" ? [] : ["pull", "push"]);
      const now = Math.floor(Date.now() / 1000);
      const claims = tokenClaims({
        issuer: options.issuer,
        service: options.service,
        subject,
        access,
        now,
        lifetimeSeconds,
      });
      const token = signToken(claims, options.signer);
      issued.push({ subject, scopes, access });
      return Response.json({
        token,
        access_token: token,
        expires_in: lifetimeSeconds,
        issued_at: new Date(now * 1000).toISOString(),
      });
    },
  );
  const scheme = options.tls ? "https" : "http";
  return {
    realm: `${scheme}://127.0.0.1:${server.addr.port}/token`,
    issued,
    close: () => server.shutdown(),
  };
}

/** The user a Basic header proves, "" when there is none, undefined when it proves nothing. */
function callerOf(
  authorization: string | null,
  users: Record<string, string>,
): string | undefined {
  if (!authorization) return "";
  const match = /^Basic\s+(\S+)$/i.exec(authorization);
  if (!match) return undefined;
  let decoded: string;
  try {
    decoded = atob(match[1]!);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  const user = decoded.slice(0, colon);
  return colon > 0 && Object.hasOwn(users, user) && users[user] === decoded.slice(colon + 1)
    ? user
    : undefined;
}
