/**
 * Losing and removing extra nodes: `node kill` cuts a node as a power failure would (every
 * process of it SIGKILLed at once, its link down); removing a node also releases its pods'
 * sandboxes, its mount and network namespaces and its routes.
 */
import { join } from "node:path";
import { runningPid, stopDaemon } from "../daemon.ts";
import { libvirtUri, stopLibvirt } from "../libvirt_daemon.ts";
import { runAgentCleanup } from "../network_down.ts";
import type { StackPaths } from "../paths.ts";
import { savedPorts } from "../ports.ts";
import { roleSpec } from "../roles.ts";
import { type StackNode, stackNodeNamed } from "./addressing.ts";
import { mountNsExists, removeMountNs } from "./mount_ns.ts";
import { cutNodeLink, removeNodeNetwork } from "./node_network.ts";
import { nodeDirs, nodesRoot, nodeStackPaths } from "./node_paths.ts";
import { nodePlacement } from "./node_up.ts";
import { killNodeProcesses, nodeProcesses } from "./node_processes.ts";

/** SIGKILL the node's agent, libvirtd, virtlogd and guests at once, then take its link down. */
export async function killNode(paths: StackPaths, node: StackNode): Promise<number> {
  const killed = await killNodeProcesses(paths, node);
  await cutNodeLink(node);
  return killed;
}

/** The extra nodes that have a directory in this stack home. */
export async function knownExtraNodes(paths: StackPaths): Promise<StackNode[]> {
  const found: StackNode[] = [];
  const entries = await Array.fromAsync(Deno.readDir(nodesRoot(paths))).catch(() => []);
  for (const entry of entries) {
    const node = entry.isDirectory ? stackNodeNamed(entry.name) : undefined;
    if (node && node.index > 1) found.push(node);
  }
  return found.sort((a, b) => a.index - b.index);
}

/**
 * Remove an extra node from the machine: its agent releases its pods' sandboxes, then its
 * daemons and guests stop, and its namespaces, veth and routes go. Its directory stays (the
 * stack's `down --purge` removes it). Problems are said, never thrown.
 */
export async function removeNode(
  paths: StackPaths,
  node: StackNode,
  say: (line: string) => void,
): Promise<void> {
  const nodePaths = nodeStackPaths(paths, node);
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      say(`Warning: cannot ${what} of ${node.name}: ${(error as Error).message}`);
    }
  };
  if (await stopDaemon(nodePaths, "agent")) say(`Stopped the agent of ${node.name}`);
  const ports = await savedPorts(paths.portsFile);
  if (ports && (await mountNsExists(paths, node))) {
    await step("release the pod sandboxes", async () => {
      const kvm = false;
      const spec = roleSpec(
        paths,
        ports,
        "agent",
        {
          uri: libvirtUri(nodePaths),
          kvm,
        },
        true,
        nodePlacement(paths, node),
      );
      await runAgentCleanup(nodePaths, spec, join(nodeDirs(paths, node).data, "network"), say);
    });
  }
  const libvirtUp = (await runningPid(nodePaths, "libvirtd")) !== undefined;
  await step("stop libvirt", () => stopLibvirt(nodePaths));
  if (libvirtUp) say(`Stopped libvirtd and virtlogd of ${node.name}`);
  const strays = await killNodeProcesses(paths, node);
  if (strays > 0) say(`Killed ${strays} leftover process(es) of ${node.name}`);
  await step("release the mount namespace", () => removeMountNs(paths, node));
  await step("remove the network", () => removeNodeNetwork(node));
  const left = await nodeProcesses(paths, node);
  if (left.length > 0) say(`Warning: processes of ${node.name} still run: ${left.join(", ")}`);
}
