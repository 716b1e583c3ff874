/**
 * `up --kubelet-nodes N`: the kubelet, the node images, kubelet nodes 1..N, each Ready, then the
 * agent's DaemonSet, awaited on every node.
 */
import type { StackPaths } from "../paths.ts";
import type { StackPorts } from "../ports.ts";
import type { StackNode } from "../nodes/addressing.ts";
import { ensureKubelet } from "./kubelet_binary.ts";
import { kubeletNodes } from "./kubelet_nodes.ts";
import { ensureKubeletNode, KUBELET } from "./kubelet_node_up.ts";
import { applyAgentDaemonSet, waitAgentPodReady } from "./agent_pod.ts";
import { kubeletNodeStackPaths } from "./kubelet_node_paths.ts";
import { logFile } from "../daemon.ts";
import { buildDenovirtImage, pauseImage } from "./node_images.ts";

/**
 * `up --kubelet-nodes N`: the kubelet, the node images, kubelet nodes 1..N (each Ready), then
 * the agent's DaemonSet, awaited on every node. `kvm`: whether KVM works. Without
 * `agentDaemonSet` the nodes get no agent of the stack (the cluster install brings its own).
 */
export async function ensureKubeletNodes(
  paths: StackPaths,
  ports: StackPorts,
  count: number,
  nodes: number,
  kvm: boolean,
  say: (line: string) => void,
  agentDaemonSet = true,
): Promise<StackNode[]> {
  const wanted = kubeletNodes(count, nodes);
  if (wanted.length === 0) return [];
  const kubelet = await ensureKubelet(say);
  const denovirt = await buildDenovirtImage(paths, say);
  const images = [await pauseImage(), denovirt];
  const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
  for (const node of wanted) {
    const started = performance.now();
    await ensureKubeletNode(paths, ports, node, kvm, kubelet, images, say);
    say(`${node.name} (${node.address}) Ready in ${seconds(started)} s`);
  }
  if (!agentDaemonSet) return wanted;
  await applyAgentDaemonSet(paths, ports, kvm, denovirt.ref);
  for (const node of wanted) {
    const started = performance.now();
    const kubeletLog = logFile(kubeletNodeStackPaths(paths, node), KUBELET);
    await waitAgentPodReady(paths, ports, node, kubeletLog);
    say(`The agent pod of ${node.name} is ready after ${seconds(started)} s`);
  }
  return wanted;
}
