/**
 * A node agent's identity on the test stack: a client certificate for user
 * `denovirt:agent:<node>` in group `denovirt:agents`, signed by the stack's CA, and a REST client
 * that uses it.
 */
import { join } from "node:path";
import { AGENT_GROUP, AGENT_USER_PREFIX } from "../../api/mod.ts";
import { loadKubeConfig } from "../../lib/kube/config.ts";
import { RestClient } from "../../lib/kube/rest.ts";
import { apiserverUrl } from "../../stack/control_plane.ts";
import { kubeconfigText } from "../../stack/kubeconfig.ts";
import { ensurePki, pkiFiles } from "../../stack/pki.ts";
import type { TestStack } from "./stack.ts";

/** The kubeconfig file of node `node`'s agent identity, made on first use. */
export async function agentIdentityKubeconfig(stack: TestStack, node: string): Promise<string> {
  const name = `test-agent-${node}`;
  await ensurePki(stack.paths.pki, [], [{
    name,
    commonName: `${AGENT_USER_PREFIX}${node}`,
    organizations: [AGENT_GROUP],
  }]);
  const pki = pkiFiles(stack.paths.pki);
  const file = join(stack.paths.home, `${name}.kubeconfig.json`);
  await Deno.writeTextFile(
    file,
    kubeconfigText({
      server: apiserverUrl(stack.ports),
      caFile: pki.caCert,
      certFile: pki.cert(name),
      keyFile: pki.key(name),
      user: `${AGENT_USER_PREFIX}${node}`,
    }),
  );
  return file;
}

/** A REST client acting as node `node`'s agent; close it after use. */
export async function agentIdentityRest(stack: TestStack, node: string): Promise<RestClient> {
  const kubeconfig = await agentIdentityKubeconfig(stack, node);
  return RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig }));
}
