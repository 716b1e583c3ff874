/**
 * An extra node's mount namespace, kept alive by a bind mount of its namespace file, so its
 * agent, virtlogd and libvirtd (and every qemu) share one view: libvirt's system directories are
 * the node's own, the stack's data path is the node's data directory (every node's agent keeps
 * its data at the same path, as a DaemonSet's hostPath; a domain's disks migrate unchanged), and
 * /run/netns is the node's, so its pods' namespaces outlive an agent restart and stay apart from
 * other nodes'. /sys is remounted for the node's network namespace, as `ip netns exec` does.
 */
import { run, runChecked } from "../../lib/exec.ts";
import { bindLine, hideKvmScript, libvirtDirs } from "../libvirt_daemon.ts";
import type { StackPaths } from "../paths.ts";
import type { StackNode } from "./addressing.ts";
import { nodeDirs, nodeStackPaths } from "./node_paths.ts";

/** The command prefix that runs a command in the node's mount and network namespaces. */
export function enterNode(paths: StackPaths, node: StackNode): string[] {
  return ["nsenter", `--mount=${nodeDirs(paths, node).mountNs}`, `--net=/run/netns/${node.netns}`];
}

/** Whether the node's mount namespace exists (its file is a namespace one can enter). */
export async function mountNsExists(paths: StackPaths, node: StackNode): Promise<boolean> {
  const file = nodeDirs(paths, node).mountNs;
  return (await run("nsenter", [`--mount=${file}`, "true"])).code === 0;
}

/** Make the node's mount namespace unless it exists; its network namespace must exist. */
export async function ensureMountNs(
  paths: StackPaths,
  node: StackNode,
  kvm: boolean,
): Promise<void> {
  if (await mountNsExists(paths, node)) return;
  const dirs = nodeDirs(paths, node);
  const nodePaths = nodeStackPaths(paths, node);
  const system = libvirtDirs(nodePaths).system;
  for (
    const dir of [
      dirs.data,
      dirs.netns,
      dirs.nsDir,
      paths.data,
      "/run/netns",
      ...Object.values(system),
    ]
  ) await Deno.mkdir(dir, { recursive: true });
  // A namespace file can only be bind-mounted onto a private mount.
  if ((await run("mountpoint", ["-q", dirs.nsDir])).code !== 0) {
    await runChecked("mount", ["--bind", dirs.nsDir, dirs.nsDir]);
  }
  await runChecked("mount", ["--make-private", dirs.nsDir]);
  await Deno.writeTextFile(dirs.mountNs, "");
  const script = [
    "set -e",
    `umount -l /sys; mount -t sysfs ${node.netns} /sys`,
    ...Object.entries(system).map(([target, source]) => bindLine(source, target)),
    bindLine(dirs.data, paths.data),
    bindLine(dirs.netns, "/run/netns"),
    kvm ? "" : hideKvmScript(nodePaths),
  ].join("\n");
  await runChecked("unshare", [
    `--mount=${dirs.mountNs}`,
    "--propagation",
    "private",
    "nsenter",
    `--net=/run/netns/${node.netns}`,
    "sh",
    "-c",
    script,
  ]);
}

/** Release the node's mount namespace (it goes once no process is in it). */
export async function removeMountNs(paths: StackPaths, node: StackNode): Promise<void> {
  const dirs = nodeDirs(paths, node);
  await run("umount", [dirs.mountNs]);
  if ((await run("mountpoint", ["-q", dirs.nsDir])).code === 0) {
    await run("umount", [dirs.nsDir]);
  }
}
