/** A node agent's credentials: its client certificate, its kubeconfig and its serving certificate. */
import { apiserverUrl, kubeconfigFor } from "../control_plane.ts";
import { agentIdentity, agentServingCert } from "../identities.ts";
import { kubeconfigText } from "../kubeconfig.ts";
import type { StackPaths } from "../paths.ts";
import { ensurePki, pkiFiles } from "../pki.ts";
import type { StackPorts } from "../ports.ts";
import type { StackNode } from "./addressing.ts";

/** Make (or keep) the node agent's certificates and write its kubeconfig under `kubeconfigs/`. */
export async function ensureAgentIdentity(
  paths: StackPaths,
  ports: StackPorts,
  node: StackNode,
): Promise<void> {
  const identity = agentIdentity(node.name);
  // The serving cert always names the node's bridge address: node 1 serves there on a stack
  // with the pod network, and on loopback without.
  await ensurePki(paths.pki, [agentServingCert(node)], [identity]);
  const pki = pkiFiles(paths.pki);
  await Deno.writeTextFile(
    kubeconfigFor(paths, identity.name),
    kubeconfigText({
      server: apiserverUrl(ports),
      caFile: pki.caCert,
      certFile: pki.cert(identity.name),
      keyFile: pki.key(identity.name),
      user: identity.commonName,
    }),
  );
}

/** The libvirt host UUID stored in `file`, made on first use: each node has its own. */
export async function ensureHostUuid(file: string): Promise<string> {
  const saved = (await Deno.readTextFile(file).catch(() => "")).trim();
  if (/^[0-9a-f-]{36}$/.test(saved)) return saved;
  const uuid = crypto.randomUUID();
  await Deno.writeTextFile(file, uuid + "\n");
  return uuid;
}
