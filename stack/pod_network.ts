/**
 * The local stack's pod network: its address ranges, its node, and where its CNI files live.
 * The one place these values are written; the agent gets them through its flags and the
 * CNI template, kube-controller-manager and kube-proxy through theirs.
 */
import { join } from "node:path";
import type { StackPaths } from "./paths.ts";

/** Pod addresses of the whole cluster; kube-controller-manager hands each node a /24 of it. */
export const CLUSTER_CIDR = "10.244.0.0/16";
/** The prefix length of each node's pod CIDR (`--node-cidr-mask-size`). */
export const NODE_CIDR_MASK_SIZE = 24;
/** ClusterIPs of Services (kube-apiserver's and kube-controller-manager's range). */
export const SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/16";
/** The `kubernetes` Service's ClusterIP: the first address of the service range. */
export const KUBERNETES_SERVICE_IP = "10.96.0.1";
/** The stack's own node, registered by its agent (no kubelet). */
export const STACK_NODE_NAME = "denovirt-local";
/** The pod bridge the CNI `bridge` plugin makes on the node (the agent's template names it). */
export const POD_BRIDGE = "dv0";
/** Interfaces of the stack's network are named `dv...`: the bridge, per-VM bridges, veths. */
export const STACK_INTERFACE_PREFIX = "dv";
/** Where Debian's `containernetworking-plugins` installs the CNI plugins. */
export const CNI_BIN_DIR = "/usr/lib/cni";

/** The CNI files of a stack home: the agent's conf dir, its template, host-local's leases. */
export function cniPaths(paths: StackPaths) {
  const root = join(paths.home, "cni");
  return {
    root,
    confDir: join(root, "net.d"),
    template: join(root, "denovirt.conflist.template"),
    ipamDir: join(root, "ipam"),
  };
}
