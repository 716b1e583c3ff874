/**
 * A stack node's objects in the cluster, through the admin's client certificate: the pod CIDR
 * kube-controller-manager gave its Node, and deleting its Node and Lease when the node goes.
 */
import { NODE_LEASE_NAMESPACE } from "../../api/node_loss.ts";
import { pkiFiles } from "../pki.ts";
import type { StackPaths } from "../paths.ts";
import type { StackPorts } from "../ports.ts";
import { httpsClient, waitUntil } from "../readiness.ts";

async function withAdmin<T>(paths: StackPaths, fn: (client: Deno.HttpClient) => Promise<T>) {
  const pki = pkiFiles(paths.pki);
  const client = await httpsClient({
    caFile: pki.caCert,
    certFile: pki.cert("admin"),
    keyFile: pki.key("admin"),
  });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The Node's `spec.podCIDR`, once kube-controller-manager has given it one. */
export function nodePodCidr(paths: StackPaths, ports: StackPorts, name: string): Promise<string> {
  return withAdmin(paths, async (client) => {
    let cidr: string | undefined;
    await waitUntil(async () => {
      const response = await fetch(`https://127.0.0.1:${ports.apiserver}/api/v1/nodes/${name}`, {
        client,
      }).catch(() => undefined);
      if (!response?.ok) {
        await response?.body?.cancel();
        return false;
      }
      cidr = ((await response.json()) as { spec?: { podCIDR?: string } }).spec?.podCIDR;
      return cidr !== undefined;
    }, { what: `the pod CIDR of ${name}`, timeoutMs: 60_000 });
    return cidr!;
  });
}

/** Delete the node's Node and its Lease; answers what it deleted (what is gone already is fine). */
export function deleteNodeObjects(
  paths: StackPaths,
  ports: StackPorts,
  name: string,
): Promise<string[]> {
  const api = `https://127.0.0.1:${ports.apiserver}`;
  const objects = [
    { what: `the Node ${name}`, path: `/api/v1/nodes/${name}` },
    {
      what: `the Lease ${NODE_LEASE_NAMESPACE}/${name}`,
      path: `/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases/${name}`,
    },
  ];
  return withAdmin(paths, async (client) => {
    const deleted: string[] = [];
    for (const { what, path } of objects) {
      const response = await fetch(api + path, { method: "DELETE", client });
      const body = await response.text();
      if (response.ok) deleted.push(what);
      else if (response.status !== 404) {
        throw new Error(`HTTP ${response.status} for ${what}: ${body}`);
      }
    }
    return deleted;
  });
}
