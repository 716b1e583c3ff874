/**
 * Losing, stopping and removing extra nodes: `node kill` cuts a node as a power failure would
 * (every process of it SIGKILLed at once, its link down); stopping a node (`down`) also releases
 * its pods' sandboxes, its mount and network namespaces and its routes; removing it for good
 * deletes its Node, Lease and directory too.
 */
import { join } from "node:path";
import { run } from "../../lib/exec.ts";
import { runningPid, stopDaemon } from "../daemon.ts";
import { libvirtUri, stopLibvirt } from "../libvirt_daemon.ts";
import { runAgentCleanup } from "../network_down.ts";
import type { StackPaths } from "../paths.ts";
import { savedPorts } from "../ports.ts";
import { roleSpec } from "../roles.ts";
import { type StackNode, stackNodeNamed } from "./addressing.ts";
import { mountNsExists, removeMountNs } from "./mount_ns.ts";
import { cutNodeLink, removeNodeNetwork } from "./node_network.ts";
import { deleteNodeObjects } from "./node_objects.ts";
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
 * Stop an extra node: its agent releases its pods' sandboxes, then its daemons and guests stop,
 * and its namespaces, veth and routes go. Its directory and its Node stay, as node 1's home and
 * Node do, so `up` brings it back as it was. Problems are said, never thrown; answers whether
 * nothing of the node still runs.
 */
export async function stopNode(
  paths: StackPaths,
  node: StackNode,
  say: (line: string) => void,
): Promise<boolean> {
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
  return left.length === 0;
}

/**
 * Remove an extra node for good: stop it, then delete its Node and Lease and its directory (its
 * CNI configuration and leases, disks, libvirt state). The directory goes with the Node: a Node
 * registered again gets another pod CIDR, while the CNI configuration rendered from the first
 * would give its pods addresses nothing routes to it. Problems are said, never thrown.
 */
export async function removeNode(
  paths: StackPaths,
  node: StackNode,
  say: (line: string) => void,
): Promise<void> {
  const stopped = await stopNode(paths, node, say);
  const ports = await savedPorts(paths.portsFile);
  try {
    if (!ports) throw new Error("the stack has no ports file");
    for (const what of await deleteNodeObjects(paths, ports, node.name)) say(`Deleted ${what}`);
  } catch (error) {
    say(`Warning: cannot delete the Node and Lease of ${node.name}: ${(error as Error).message}`);
  }
  const dirs = nodeDirs(paths, node);
  // Never recurse through a mount: a namespace file still bind-mounted keeps the directory.
  const mounted = (await run("mountpoint", ["-q", dirs.nsDir])).code === 0;
  if (!stopped || mounted) {
    say(`Warning: kept ${dirs.root}: ${node.name} did not stop entirely`);
    return;
  }
  await Deno.remove(dirs.root, { recursive: true }).then(
    () => say(`Removed ${dirs.root}`),
    (error) => say(`Warning: cannot remove ${dirs.root}: ${(error as Error).message}`),
  );
}
