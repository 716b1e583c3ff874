/**
 * A kubelet node's mount namespace, kept alive by a bind mount of its namespace file, so its
 * containerd, kubelet, shims and containers share one view in which everything they mount
 * (image snapshots, volumes, pods' network namespaces) stays private and goes with the
 * namespace. /run and /var/log are the node's own (containerd's shim sockets under
 * /run/containerd, the kubelet's /var/log/containers links), /run/netns and /var/log/pods
 * are directories of the node, its data directory is at the stack's data path (ADR 13: every
 * node's agent keeps its data at the same path; also at /var/lib/denovirt, the cluster install's
 * path), and so are libvirt's system directories, for the
 * node's own
 * libvirtd. /run/netns is a shared mount, so the agent's pod (which mounts it from the node) sees
 * the pods' namespaces containerd makes after it started. Without KVM, /dev has no `kvm`.
 */
import { run, runChecked } from "../../lib/exec.ts";
import { bindLine, hideKvmScript, libvirtDirs } from "../libvirt_daemon.ts";
import type { StackPaths } from "../paths.ts";
import type { StackNode } from "../nodes/addressing.ts";
import { kubeletNodeDirs, kubeletNodeStackPaths } from "./kubelet_node_paths.ts";

/** The agent's data directory on a cluster's hosts (manifests/cluster/60-agent.yaml). */
export const CLUSTER_AGENT_DATA_DIR = "/var/lib/denovirt";

/** The command prefix that runs a command in the node's mount and network namespaces. */
export function enterKubeletNode(paths: StackPaths, node: StackNode): string[] {
  const dirs = kubeletNodeDirs(paths, node);
  return ["nsenter", `--mount=${dirs.mountNs}`, `--net=/run/netns/${node.netns}`];
}

/** The shell script that lays out the node's mounts inside its new namespace. */
export function mountScript(paths: StackPaths, node: StackNode, kvm: boolean): string {
  const dirs = kubeletNodeDirs(paths, node);
  const nodePaths = kubeletNodeStackPaths(paths, node);
  return [
    "set -e",
    // The machine's mounts under /run (its /run/netns) would still be listed beneath the new
    // tmpfs, and containerd, checking /run/netns's propagation, may read theirs.
    "awk '$5 ~ \"^/run/\" { print $5 }' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l",
    `mount -t tmpfs ${node.netns}-run /run`,
    `mount -t tmpfs ${node.netns}-log /var/log`,
    bindLine(dirs.netns, "/run/netns"),
    "mount --make-shared /run/netns",
    bindLine(dirs.podLogs, "/var/log/pods"),
    // The agent's data at the stack's data path, as on every node (short enough for sockets).
    bindLine(dirs.data, paths.data),
    // And where the cluster install's agent keeps it, as on a host (adr/0018).
    bindLine(dirs.data, CLUSTER_AGENT_DATA_DIR),
    ...Object.entries(libvirtDirs(nodePaths).system).map(([target, source]) =>
      bindLine(source, target)
    ),
    kvm ? "" : hideKvmScript(nodePaths),
  ].join("\n");
}

/** Make the node's mount namespace unless it exists; its network namespace must exist. */
export async function ensureKubeletMountNs(
  paths: StackPaths,
  node: StackNode,
  kvm: boolean,
): Promise<void> {
  const dirs = kubeletNodeDirs(paths, node);
  if ((await run("nsenter", [`--mount=${dirs.mountNs}`, "true"])).code === 0) return;
  const system = libvirtDirs(kubeletNodeStackPaths(paths, node)).system;
  for (const dir of [dirs.netns, dirs.podLogs, dirs.nsDir, dirs.data, ...Object.values(system)]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  // A namespace file can only be bind-mounted onto a private mount.
  if ((await run("mountpoint", ["-q", dirs.nsDir])).code !== 0) {
    await runChecked("mount", ["--bind", dirs.nsDir, dirs.nsDir]);
  }
  await runChecked("mount", ["--make-private", dirs.nsDir]);
  await Deno.writeTextFile(dirs.mountNs, "");
  await runChecked("unshare", [
    `--mount=${dirs.mountNs}`,
    "--propagation",
    "private",
    "sh",
    "-c",
    mountScript(paths, node, kvm),
  ]);
}

/** Release the node's mount namespace (it goes, with its mounts, once no process is in it). */
export async function removeKubeletMountNs(paths: StackPaths, node: StackNode): Promise<void> {
  const dirs = kubeletNodeDirs(paths, node);
  await run("umount", [dirs.mountNs]);
  if ((await run("mountpoint", ["-q", dirs.nsDir])).code === 0) await run("umount", [dirs.nsDir]);
}
