/**
 * Stopping a kubelet node: the kubelet first (so it restarts nothing), then every process of the
 * node at once (containerd, its shims, the containers under the shims, which live in namespaces
 * of their own, libvirtd and its guests), then its mount namespace (taking every mount made in it: image
 * snapshots, volumes, the pods' network namespaces), its network namespace, veth and routes.
 * Its directory stays, so `up` brings it back; the leases of its gone pods do not.
 */
import { processAlive, stopDaemon } from "../daemon.ts";
import { stopLibvirt } from "../libvirt_daemon.ts";
import type { StackNode } from "../nodes/addressing.ts";
import { removeNodeNetwork } from "../nodes/node_network.ts";
import type { StackPaths } from "../paths.ts";
import { removeKubeletMountNs } from "./kubelet_mount_ns.ts";
import { kubeletNodeNamed } from "./kubelet_nodes.ts";
import { kubeletNodeDirs, kubeletNodesRoot, kubeletNodeStackPaths } from "./kubelet_node_paths.ts";
import { CONTAINERD, KUBELET } from "./kubelet_node_up.ts";
import { descendantsOf, namespaceMembers } from "./node_process_tree.ts";

/** The kubelet nodes that have a directory in this stack home. */
export async function knownKubeletNodes(paths: StackPaths): Promise<StackNode[]> {
  const entries = await Array.fromAsync(Deno.readDir(kubeletNodesRoot(paths))).catch(() => []);
  return entries.flatMap((e) => (e.isDirectory ? [kubeletNodeNamed(e.name)] : []))
    .filter((n): n is StackNode => n !== undefined)
    .sort((a, b) => b.index - a.index);
}

/** Every process of the node: those in its namespaces and everything they started. */
export async function kubeletNodeProcesses(paths: StackPaths, node: StackNode): Promise<number[]> {
  const dirs = kubeletNodeDirs(paths, node);
  const members = await namespaceMembers(`/run/netns/${node.netns}`, dirs.mountNs, dirs.nsDir);
  return await descendantsOf(members);
}

/** Stop the node; problems are said, never thrown. Answers whether nothing of it still runs. */
export async function stopKubeletNode(
  paths: StackPaths,
  node: StackNode,
  say: (line: string) => void,
): Promise<boolean> {
  const nodePaths = kubeletNodeStackPaths(paths, node);
  if (await stopDaemon(nodePaths, KUBELET)) say(`Stopped the kubelet of ${node.name}`);
  let killed = 0;
  // Twice: a process may fork while the first sweep runs.
  for (let round = 0; round < 2; round++) {
    for (const pid of await kubeletNodeProcesses(paths, node)) {
      try {
        Deno.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // Gone already.
      }
    }
  }
  if (killed > 0) say(`Stopped containerd and ${killed} process(es) of ${node.name}`);
  const deadline = Date.now() + 5_000;
  let left = await kubeletNodeProcesses(paths, node);
  while (left.some(processAlive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = await kubeletNodeProcesses(paths, node);
  }
  const dirs = kubeletNodeDirs(paths, node);
  // Its libvirtd and guests went with the rest; this removes their sockets and pid files.
  await stopLibvirt(nodePaths).catch(() => {});
  try {
    await removeKubeletMountNs(paths, node);
    await removeNodeNetwork(node);
  } catch (error) {
    say(`Warning: cannot release the namespaces of ${node.name}: ${(error as Error).message}`);
  }
  await Deno.remove(dirs.cni.ipamDir, { recursive: true }).catch(() => {});
  await stopDaemon(nodePaths, CONTAINERD);
  if (left.length > 0) say(`Warning: processes of ${node.name} still run: ${left.join(", ")}`);
  return left.length === 0;
}
