/**
 * The web console of the local stack: its URL (the webhooks role's subresource port, path
 * `/console/`) and a sign-in token of the `denovirt-console` account, written to
 * `$DENOVIRT_HOME/console.json` as `{"url", "token"}` (readable by the owner only).
 */
import { join } from "node:path";
import type { StackPaths } from "./paths.ts";
import type { StackPorts } from "./ports.ts";

/** The account manifests/local/70-console.yaml makes. */
const ACCOUNT = { namespace: "denovirt", name: "denovirt-console" };
/** A week: long enough for a working session, short enough to age out. */
const TOKEN_SECONDS = 7 * 24 * 3600;

/** Where `up` writes the console's URL and token. */
export const consoleFile = (paths: StackPaths) => join(paths.home, "console.json");

/** The console's URL on this stack. */
export const consoleUrl = (ports: StackPorts) => `https://127.0.0.1:${ports.subresources}/console/`;

/** Asks a token (TokenRequest) and writes console.json; says the URL. */
export async function writeConsoleFile(
  paths: StackPaths,
  ports: StackPorts,
  admin: { server: string; client: Deno.HttpClient },
  say: (line: string) => void,
): Promise<{ url: string; token: string }> {
  const { namespace, name } = ACCOUNT;
  const response = await fetch(
    `${admin.server}/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    {
      method: "POST",
      client: admin.client,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: TOKEN_SECONDS },
      }),
    },
  );
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`Cannot get a console token for ${namespace}/${name}: ${body.message}`);
  }
  const written = { url: consoleUrl(ports), token: body.status.token as string };
  const file = consoleFile(paths);
  await Deno.writeTextFile(file, JSON.stringify(written, null, 2) + "\n", { mode: 0o600 });
  await Deno.chmod(file, 0o600);
  say(`Web console: ${written.url} (sign-in token in ${file})`);
  return written;
}
