/**
 * The agent of the stack's kubelet nodes as a DaemonSet pod: its flags are the process agents'
 * (the stack's roleArgs, with the node's name and address left for the kubelet to fill in), less
 * what a kubelet does itself. Applied once for every kubelet node; each node's agent is awaited
 * on its own address.
 */
import { join } from "node:path";
import { apiserverUrl, kubeconfigFor } from "../control_plane.ts";
import { libvirtUri } from "../libvirt_daemon.ts";
import type { StackNode } from "../nodes/addressing.ts";
import type { StackPaths } from "../paths.ts";
import { pkiFiles } from "../pki.ts";
import { cniPaths } from "../pod_network.ts";
import type { StackPorts } from "../ports.ts";
import { answersOk, httpsClient, waitUntil } from "../readiness.ts";
import { agentReadyUrl, roleArgs } from "../roles.ts";
import {
  HOST_IP_REF,
  NODE_NAME_REF,
  podAgentArgs,
  STACK_AGENT_DAEMONSET,
  stackAgentDaemonSet,
} from "./agent_daemonset.ts";
import { kubeletNodesRoot } from "./kubelet_node_paths.ts";

/** The agent's flags in the pod, with `$(NODE_NAME)` and `$(HOST_IP)` for the kubelet to expand. */
export function kubeletAgentArgs(paths: StackPaths, ports: StackPorts, kvm: boolean): string[] {
  const nodeRoot = join(kubeletNodesRoot(paths), NODE_NAME_REF);
  // The node's data is at the stack's data path inside the node (kubelet_mount_ns.ts).
  const nodePaths = { ...paths, libvirt: join(nodeRoot, "libvirt") };
  const placement = { name: NODE_NAME_REF, address: HOST_IP_REF, cni: cniPaths(paths) };
  const libvirt = { uri: libvirtUri(nodePaths), kvm };
  return podAgentArgs(roleArgs(nodePaths, ports, "agent", libvirt, true, placement));
}

/** Server-side apply the agent's DaemonSet for the stack's kubelet nodes. */
export async function applyAgentDaemonSet(
  paths: StackPaths,
  ports: StackPorts,
  kvm: boolean,
  image: string,
): Promise<void> {
  const daemonSet = stackAgentDaemonSet({
    image,
    args: kubeletAgentArgs(paths, ports, kvm),
    port: ports.agent,
    hostDirs: [kubeletNodesRoot(paths), paths.data],
    readOnlyHostDirs: [paths.pki, join(kubeconfigFor(paths, "agent-x"), "..")],
  });
  const pki = pkiFiles(paths.pki);
  const client = await httpsClient({
    caFile: pki.caCert,
    certFile: pki.cert("admin"),
    keyFile: pki.key("admin"),
  });
  try {
    const url = `${apiserverUrl(ports)}/apis/apps/v1/namespaces/${daemonSet.metadata.namespace}` +
      `/daemonsets/${STACK_AGENT_DAEMONSET}?fieldManager=denovirt-up&force=true`;
    const response = await fetch(url, {
      method: "PATCH",
      client,
      headers: { "Content-Type": "application/apply-patch+yaml" },
      body: JSON.stringify(daemonSet),
    });
    const body = await response.text();
    if (!response.ok) throw new Error(`Cannot apply the agent's DaemonSet: ${body}`);
  } finally {
    client.close();
  }
}

/** Wait until the agent pod of `node` answers its readiness check on the node's address. */
export async function waitAgentPodReady(
  paths: StackPaths,
  ports: StackPorts,
  node: StackNode,
  kubeletLog: string,
): Promise<void> {
  const anonymous = await httpsClient({ caFile: pkiFiles(paths.pki).caCert });
  try {
    await waitUntil(() => answersOk(agentReadyUrl(ports, node.address), anonymous), {
      what: `the agent pod of ${node.name}`,
      timeoutMs: 120_000,
      logFile: kubeletLog,
    });
  } finally {
    anonymous.close();
  }
}
