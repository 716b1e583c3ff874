/**
 * The names of what the agent makes for a launcher pod's network: its network namespace and the
 * links that join the guest's tap to it. All derive from the pod's uid, so an agent that
 * restarts finds them again without any memory of its own.
 */
import { createHash } from "node:crypto";

/** The pod's interface on the pod network inside its namespace, as a kubelet names it. */
export const POD_INTERFACE = "eth0";
/** The VM's side inside the pod's namespace: the masquerade gateway, or a port of `BRIDGE_IN_POD`. */
export const VM_LINK_IN_POD = "k6t-eth0";
/** The bridge inside the pod's namespace that joins `eth0` and the VM (bridge binding). */
export const BRIDGE_IN_POD = "k6t-br";
/** The nftables table of masquerade inside the pod's namespace. */
export const NFT_TABLE = "denovirt";

/** The links of one VM: its bridge in the node's namespace and the veth pair into the pod's. */
export interface VmLinks {
  /** In the node's namespace; libvirt puts the guest's tap on it. */
  bridge: string;
  /** The veth end on `bridge`. */
  rootVeth: string;
  /** The other end as made, before it moves into the pod's namespace as `VM_LINK_IN_POD`. */
  podVeth: string;
}

/** The network namespace of the launcher pod `podUid` (under /run/netns). */
export function netnsNameOf(podUid: string): string {
  return `dv-${podUid}`;
}

/** The VM's link names: 13 characters, inside the kernel's 15. */
export function vmLinksOf(podUid: string): VmLinks {
  const hash = createHash("sha256").update(podUid).digest("hex").slice(0, 10);
  return { bridge: `dvb${hash}`, rootVeth: `dvr${hash}`, podVeth: `dvp${hash}` };
}
