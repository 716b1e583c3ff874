/**
 * Where an extra node keeps its state: `$H/nodes/<node>/`. Its libvirt, pid files and logs have
 * the layout of a stack home's, so the stack's daemon and libvirt helpers serve it unchanged
 * (`nodeStackPaths`); its data directory appears at the stack's data path inside its mount
 * namespace.
 */
import { join } from "node:path";
import type { StackPaths } from "../paths.ts";
import type { StackNode } from "./addressing.ts";

/** The directories and files of one extra node. */
export function nodeDirs(paths: StackPaths, node: StackNode) {
  const root = join(nodesRoot(paths), node.name);
  return {
    root,
    /** Mounted at `paths.data` inside the node's mount namespace. */
    data: join(root, "data"),
    libvirt: join(root, "libvirt"),
    run: join(root, "run"),
    log: join(root, "log"),
    /** The node's CNI conf dir, template and host-local leases. */
    cni: {
      root: join(root, "cni"),
      confDir: join(root, "cni", "net.d"),
      template: join(root, "cni", "denovirt.conflist.template"),
      ipamDir: join(root, "cni", "ipam"),
    },
    /** Mounted at /run/netns inside the node: its pods' network namespaces. */
    netns: join(root, "netns"),
    /** A private mount point holding the node's mount namespace file `mnt`. */
    nsDir: join(root, "ns"),
    mountNs: join(root, "ns", "mnt"),
    /** The node's libvirt host UUID, made once. */
    hostUuid: join(root, "libvirt", "host-uuid"),
  };
}

/** Where every extra node's directory is. */
export function nodesRoot(paths: StackPaths): string {
  return join(paths.home, "nodes");
}

/** The stack's paths as the node's daemons use them: its own libvirt, run and log dirs. */
export function nodeStackPaths(paths: StackPaths, node: StackNode): StackPaths {
  const dirs = nodeDirs(paths, node);
  return { ...paths, libvirt: dirs.libvirt, run: dirs.run, log: dirs.log };
}
