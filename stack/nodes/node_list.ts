/** What `node list` shows: each node of the stack home, its address, and whether it runs. */
import { runningPid } from "../daemon.ts";
import type { StackPaths } from "../paths.ts";
import { type StackNode, stackNode } from "./addressing.ts";
import { knownExtraNodes } from "./node_down.ts";
import { linkExists } from "./node_network.ts";
import { nodeStackPaths } from "./node_paths.ts";

/** A node's state: its agent and libvirtd run (`running`), none does (`down`), or some (`partial`). */
export type NodeState = "running" | "down" | "partial";

/** The state from what runs: pure. */
export function nodeState(agent: boolean, libvirtd: boolean, linkUp: boolean): NodeState {
  if (agent && libvirtd && linkUp) return "running";
  return !agent && !libvirtd ? "down" : "partial";
}

/** The stack's nodes (node 1 first) with their states. */
export async function listNodes(
  paths: StackPaths,
): Promise<{ node: StackNode; state: NodeState }[]> {
  const rows = [];
  for (const node of [stackNode(1), ...(await knownExtraNodes(paths))]) {
    const own = node.index === 1 ? paths : nodeStackPaths(paths, node);
    const agent = (await runningPid(own, "agent")) !== undefined;
    const libvirtd = (await runningPid(own, "libvirtd")) !== undefined;
    const linkUp = node.veth ? await vethUp(node.veth) : true;
    rows.push({ node, state: nodeState(agent, libvirtd, linkUp) });
  }
  return rows;
}

async function vethUp(veth: string): Promise<boolean> {
  if (!(await linkExists(veth))) return false;
  const text = await Deno.readTextFile(`/sys/class/net/${veth}/operstate`).catch(() => "");
  return text.trim() === "up";
}
