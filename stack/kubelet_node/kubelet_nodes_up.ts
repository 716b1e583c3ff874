/** `up --kubelet-nodes N`: the kubelet, the node images, then kubelet nodes 1..N, each Ready. */
import type { StackPaths } from "../paths.ts";
import type { StackPorts } from "../ports.ts";
import type { StackNode } from "../nodes/addressing.ts";
import { ensureKubelet } from "./kubelet_binary.ts";
import { kubeletNodes } from "./kubelet_nodes.ts";
import { ensureKubeletNode } from "./kubelet_node_up.ts";
import { buildDenovirtImage, pauseImage } from "./node_images.ts";

/** Bring kubelet nodes 1..count up beside `nodes` kubelet-less nodes (`kvm`: whether KVM works). */
export async function ensureKubeletNodes(
  paths: StackPaths,
  ports: StackPorts,
  count: number,
  nodes: number,
  kvm: boolean,
  say: (line: string) => void,
): Promise<StackNode[]> {
  const wanted = kubeletNodes(count, nodes);
  if (wanted.length === 0) return [];
  const kubelet = await ensureKubelet(say);
  const images = [await pauseImage(), await buildDenovirtImage(paths, say)];
  for (const node of wanted) {
    const started = performance.now();
    await ensureKubeletNode(paths, ports, node, kvm, kubelet, images, say);
    say(
      `${node.name} (${node.address}) Ready in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s`,
    );
  }
  return wanted;
}
