/**
 * How the local stack's kubelet nodes are named and addressed. Each has a network namespace on
 * the nodes' bridge, as the extra kubelet-less nodes do, but takes its address from the top of
 * the nodes' network down (kubelet node k is `10.250.0.<255-k>`), so both kinds can grow
 * without renumbering each other. Pure: the one place these names are written.
 */
import { MAX_NODES, type StackNode } from "../nodes/addressing.ts";

/** Kubelet nodes are named `denovirt-kubelet-<k>`. */
const NAME_PREFIX = "denovirt-kubelet-";

/** Kubelet node `k` (1-based), shaped as the nodes' network helpers take a node. */
export function kubeletNode(k: number): StackNode {
  if (!Number.isInteger(k) || k < 1 || k > MAX_NODES - 1) {
    throw new Error(
      `A kubelet node number must be an integer from 1 to ${MAX_NODES - 1}, not ${k}`,
    );
  }
  const index = MAX_NODES + 1 - k;
  return {
    index,
    name: `${NAME_PREFIX}${k}`,
    address: `10.250.0.${index}`,
    netns: `dvkubelet-${k}`,
    veth: `dvkl${k}`,
  };
}

/** Kubelet nodes 1..count, after refusing a count that would share addresses with `nodes` nodes. */
export function kubeletNodes(count: number, nodes: number): StackNode[] {
  if (!Number.isInteger(count) || count < 0 || count + nodes > MAX_NODES) {
    throw new Error(
      `--kubelet-nodes must be an integer from 0 to ${
        MAX_NODES - nodes
      } with ${nodes} node(s), not ${count}`,
    );
  }
  return Array.from({ length: count }, (_, i) => kubeletNode(i + 1));
}

/** The kubelet node of this name, if it is one of the stack's. */
export function kubeletNodeNamed(name: string): StackNode | undefined {
  const match = name.match(/^denovirt-kubelet-([1-9][0-9]{0,2})$/);
  const k = Number(match?.[1]);
  return match && k <= MAX_NODES - 1 ? kubeletNode(k) : undefined;
}
