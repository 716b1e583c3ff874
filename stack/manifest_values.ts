/** Values the local stack fills into `manifests/`: the CA bundle and loopback endpoints (roles, registry). */
import { encodeBase64 } from "../lib/base64.ts";
import type { StackPaths } from "./paths.ts";
import { pkiFiles } from "./pki.ts";
import type { StackPorts } from "./ports.ts";

/** Placeholder values for this stack. */
export async function manifestValues(
  paths: StackPaths,
  ports: StackPorts,
): Promise<Record<string, string>> {
  const ca = await Deno.readTextFile(pkiFiles(paths.pki).caCert);
  return {
    CA_BUNDLE: encodeBase64(new TextEncoder().encode(ca)),
    WEBHOOKS_PORT: String(ports.webhooks),
    SUBRESOURCES_PORT: String(ports.subresources),
    REGISTRY_PORT: String(ports.registry),
  };
}
