/**
 * Where a kubelet node keeps its state: `$H/kubelet-nodes/<node>/`, with pid files and logs laid
 * out as a stack home's, so the stack's daemon helpers serve it unchanged.
 */
import { join } from "node:path";
import type { StackPaths } from "../paths.ts";
import type { StackNode } from "../nodes/addressing.ts";

/** The directories and files of one kubelet node. */
export function kubeletNodeDirs(paths: StackPaths, node: StackNode) {
  const root = join(kubeletNodesRoot(paths), node.name);
  return {
    root,
    run: join(root, "run"),
    log: join(root, "log"),
    /** The node's private libvirt (ADR 18's "host's libvirtd", for this node). */
    libvirt: join(root, "libvirt"),
    /** The agent's data directory; the node sees it at the stack's data path. */
    data: join(root, "data"),
    containerd: {
      config: join(root, "containerd", "config.toml"),
      root: join(root, "containerd", "root"),
      state: join(root, "containerd", "state"),
      opt: join(root, "containerd", "opt"),
      socket: join(root, "containerd", "containerd.sock"),
    },
    kubelet: {
      config: join(root, "kubelet", "config.json"),
      kubeconfig: join(root, "kubelet", "kubeconfig"),
      rootDir: join(root, "kubelet", "root"),
      certDir: join(root, "kubelet", "pki"),
    },
    cni: { confDir: join(root, "cni", "net.d"), ipamDir: join(root, "cni", "ipam") },
    /** Mounted at /var/log/pods inside the node: its containers' logs. */
    podLogs: join(root, "pod-logs"),
    /** Mounted at /run/netns inside the node: its pods' network namespaces. */
    netns: join(root, "netns"),
    /** A private mount point holding the node's mount namespace file `mnt`. */
    nsDir: join(root, "ns"),
    mountNs: join(root, "ns", "mnt"),
  };
}

/** Where every kubelet node's directory is. */
export function kubeletNodesRoot(paths: StackPaths): string {
  return join(paths.home, "kubelet-nodes");
}

/** The stack's paths as the node's daemons use them: its own run, log, libvirt and data dirs. */
export function kubeletNodeStackPaths(paths: StackPaths, node: StackNode): StackPaths {
  const dirs = kubeletNodeDirs(paths, node);
  return { ...paths, run: dirs.run, log: dirs.log, libvirt: dirs.libvirt, data: dirs.data };
}
