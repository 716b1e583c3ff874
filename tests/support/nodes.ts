/**
 * Helpers of the multi-node tests (this file holds no tests): an extra node of the test stack
 * (its own namespaces, libvirt and agent, as `up --nodes` makes them) for the length of a test,
 * losing it as a power failure would, and bringing it back.
 */
import { join } from "node:path";
import { libvirtUri } from "../../stack/libvirt_daemon.ts";
import { libvirtTcpUri } from "../../stack/libvirt_config.ts";
import { type StackNode, stackNode } from "../../stack/nodes/addressing.ts";
import { killNode, removeNode } from "../../stack/nodes/node_down.ts";
import { nodeDirs, nodeStackPaths } from "../../stack/nodes/node_paths.ts";
import { ensureNode } from "../../stack/nodes/node_up.ts";
import { nodeProcesses } from "../../stack/nodes/node_processes.ts";
import type { TestStack } from "./stack.ts";

/** A node of the test stack as tests see it from the root namespaces. */
export interface TestNode {
  node: StackNode;
  /** The Node's name. */
  name: string;
  /** Its address: InternalIP, agent endpoint, libvirt's migration listener. */
  address: string;
  /** Its libvirtd over its unix socket (works while its link is down). */
  libvirtUri: string;
  /** Its libvirtd as another node reaches it for a migration. */
  libvirtTcpUri: string;
  /** Its agent's data directory as this process sees it (serial logs: `<dataDir>/run/...`). */
  dataDir: string;
  /** Its agent's log. */
  logFile: string;
}

/** The test stack's own node, denovirt-local, as a TestNode. */
export function ownNode(stack: TestStack): TestNode {
  const node = stackNode(1);
  return {
    node,
    name: node.name,
    address: node.address,
    libvirtUri: stack.libvirtUri,
    libvirtTcpUri: libvirtTcpUri(node.address),
    dataDir: stack.paths.data,
    logFile: join(stack.paths.log, "agent.log"),
  };
}

/** Extra node `index` of the test stack as a TestNode (whether it runs or not). */
export function extraNode(stack: TestStack, index = 2): TestNode {
  const node = stackNode(index);
  const nodePaths = nodeStackPaths(stack.paths, node);
  return {
    node,
    name: node.name,
    address: node.address,
    libvirtUri: libvirtUri(nodePaths),
    libvirtTcpUri: libvirtTcpUri(node.address),
    dataDir: nodeDirs(stack.paths, node).data,
    logFile: join(nodePaths.log, "agent.log"),
  };
}

/** Bring up (or back) an extra node; resolves once its agent is ready and its pods routed. */
export async function reviveNode(stack: TestStack, node: TestNode): Promise<void> {
  await ensureNode(stack.paths, stack.ports, node.node, stack.libvirt.kvm, () => {});
}

/** SIGKILL the node's agent, libvirt and guests at once and take its link down. */
export async function killTestNode(stack: TestStack, node: TestNode): Promise<void> {
  await killNode(stack.paths, node.node);
}

/**
 * Run `fn` with extra node `index` (default 2) added to the test stack; afterwards the node is
 * removed for good (agent, libvirt, guests, namespaces, routes, Node, Lease and directory),
 * whatever happened, so the next test that adds it starts from nothing.
 */
export async function withExtraNode<T>(
  stack: TestStack,
  fn: (node: TestNode) => Promise<T>,
  index = 2,
): Promise<T> {
  const node = extraNode(stack, index);
  const said: string[] = [];
  try {
    await ensureNode(stack.paths, stack.ports, node.node, stack.libvirt.kvm, (l) => said.push(l));
    return await fn(node);
  } catch (error) {
    // The node's directory goes with it: its agent's log is the one account of what it did.
    console.error(await logTail(node.logFile, 80));
    throw error;
  } finally {
    await removeExtraNode(stack, node, said);
  }
}

/** The last `lines` lines of a log file, headed by its path; a note when it cannot be read. */
export async function logTail(path: string, lines: number): Promise<string> {
  const text = await Deno.readTextFile(path).catch((e) => `(unreadable: ${e.message})`);
  return [`--- last ${lines} lines of ${path} ---`, ...text.trimEnd().split("\n").slice(-lines)]
    .join("\n");
}

/** Remove the node for good; say what is left. */
async function removeExtraNode(stack: TestStack, node: TestNode, said: string[]) {
  await removeNode(stack.paths, node.node, (line) => said.push(line));
  const left = await processesOf(stack, node);
  if (left.length > 0) said.push(`Warning: processes of ${node.name} left: ${left.join(", ")}`);
  if (said.some((line) => line.startsWith("Warning"))) console.error(said.join("\n"));
}

/** Every live process in the node's network or mount namespace. */
export function processesOf(stack: TestStack, node: TestNode): Promise<number[]> {
  return nodeProcesses(stack.paths, node.node);
}
