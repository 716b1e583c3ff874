/**
 * Helpers of the kubelet node tests (this file holds no tests): a node run by a real kubelet and
 * containerd (as `up --kubelet-nodes` makes it) for the length of a test, stopped and its Node
 * deleted afterwards whatever happened.
 */
import type { StackNode } from "../../stack/nodes/addressing.ts";
import { deleteNodeObjects } from "../../stack/nodes/node_objects.ts";
import { kubeletNode } from "../../stack/kubelet_node/kubelet_nodes.ts";
import { ensureKubeletNodes } from "../../stack/kubelet_node/kubelet_nodes_up.ts";
import {
  kubeletNodeProcesses,
  stopKubeletNode,
} from "../../stack/kubelet_node/kubelet_node_down.ts";
import { kubeletNodeDirs } from "../../stack/kubelet_node/kubelet_node_paths.ts";
import type { TestStack } from "./stack.ts";

/** A kubelet node as tests see it, with how long it took to become Ready. */
export interface TestKubeletNode {
  node: StackNode;
  name: string;
  /** Where its containers' logs are, as this process sees them (`<ns>_<pod>_<uid>/<c>/0.log`). */
  podLogsDir: string;
  readySeconds: number;
}

/** Run `fn` with kubelet node 1 added to the test stack; it is stopped and its Node deleted after. */
export async function withKubeletNode<T>(
  stack: TestStack,
  fn: (node: TestKubeletNode) => Promise<T>,
): Promise<T> {
  const node = kubeletNode(1);
  const said: string[] = [];
  const say = (line: string) => said.push(line);
  const started = performance.now();
  try {
    await ensureKubeletNodes(stack.paths, stack.ports, 1, 1, stack.libvirt.kvm, say);
    const readySeconds = (performance.now() - started) / 1000;
    const podLogsDir = kubeletNodeDirs(stack.paths, node).podLogs;
    return await fn({ node, name: node.name, podLogsDir, readySeconds });
  } finally {
    await stopKubeletNode(stack.paths, node, say);
    await deleteNodeObjects(stack.paths, stack.ports, node.name).catch(() => []);
    if (said.some((line) => line.startsWith("Warning"))) console.error(said.join("\n"));
  }
}

/** Every live process of the kubelet node (its namespaces and what they started). */
export function kubeletNodeProcessesOf(stack: TestStack, node: TestKubeletNode): Promise<number[]> {
  return kubeletNodeProcesses(stack.paths, node.node);
}
