/**
 * How the local stack's nodes are named and addressed: node 1 is the stack's own node in the
 * root namespaces; node k > 1 has a network namespace joined to the nodes' bridge by a veth.
 * Pure: the one place these names and addresses are written.
 */
import { STACK_NODE_NAME } from "../pod_network.ts";

/** The bridge in the root network namespace that joins the nodes (node 1 is its address). */
export const NODES_BRIDGE = "dvk0";
/** The nodes' private network: node k is `10.250.0.k`. */
export const NODES_CIDR = "10.250.0.0/24";
/** The prefix length of the nodes' network. */
export const NODES_PREFIX = 24;
/** Nodes the local stack can have: one /24, less the network and broadcast addresses. */
export const MAX_NODES = 254;
/** The interface name of an extra node's end of its veth, inside its network namespace. */
export const NODE_INTERFACE = "eth0";

/** A node of the local stack, as every part of the stack names it. */
export interface StackNode {
  /** 1 for the stack's own node, 2.. for the extra nodes. */
  index: number;
  /** The Node's name. */
  name: string;
  /** Its address on the nodes' bridge: InternalIP, agent endpoint, libvirt's TCP listener. */
  address: string;
  /** Its network namespace (`ip netns`); undefined for node 1 (the root namespace). */
  netns: string | undefined;
  /** The root namespace's end of its veth; undefined for node 1. */
  veth: string | undefined;
}

/** Node `index` (1-based) of the stack. */
export function stackNode(index: number): StackNode {
  if (!Number.isInteger(index) || index < 1 || index > MAX_NODES) {
    throw new Error(`A node number must be an integer from 1 to ${MAX_NODES}, not ${index}`);
  }
  const extra = index > 1;
  return {
    index,
    name: extra ? `denovirt-node-${index}` : STACK_NODE_NAME,
    address: `10.250.0.${index}`,
    netns: extra ? `dvnode-${index}` : undefined,
    veth: extra ? `dvk${index}` : undefined,
  };
}

/** The node of the stack with this Node name, if it is one of the stack's. */
export function stackNodeNamed(name: string): StackNode | undefined {
  if (name === STACK_NODE_NAME) return stackNode(1);
  const match = name.match(/^denovirt-node-([1-9][0-9]{0,2})$/);
  const index = Number(match?.[1]);
  return match && index >= 2 && index <= MAX_NODES ? stackNode(index) : undefined;
}

/** Nodes 1..count. */
export function stackNodes(count: number): StackNode[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) {
    throw new Error(`--nodes must be an integer from 1 to ${MAX_NODES}, not ${count}`);
  }
  return Array.from({ length: count }, (_, i) => stackNode(i + 1));
}

/** The address of the root namespace on the nodes' bridge: node 1's. */
export function bridgeAddress(): string {
  return stackNode(1).address;
}
