/** What the domain renderer is given besides the VMI: facts about the node and prepared inputs. */

/** Facts about the node the VMI runs on. */
export interface NodeFacts {
  /** The Kubernetes node name. */
  name: string;
  /** Whether KVM really works here; false renders a TCG (`type='qemu'`) domain. */
  kvm: boolean;
  /** Root of the per-VMI directories holding sockets and logs (`<runDir>/<ns>_<name>/`). */
  runDir: string;
}

/** A volume made ready on the host by `agent/volumes`, in the order of the VMI's disks. */
export interface PreparedDisk {
  /** The volume's (and its disk's) name. */
  name: string;
  /** Host path of the image file or block device. */
  path: string;
  format: "raw" | "qcow2";
  /** The host side is read-only (cloud-init media, read-only claims). */
  readonly?: boolean;
  /** What `path` is on the host: an image file or a block device. */
  device: "file" | "block";
}

/** Host paths for `firmware.kernelBoot`, which denovirt cannot take from a container image. */
export interface KernelBootFiles {
  kernel: string;
  initrd?: string;
  /** Used when the VMI sets no `kernelArgs`. */
  cmdline?: string;
}

/** Prepared inputs other than disks. */
export interface DomainInputs {
  kernelBoot?: KernelBootFiles;
  /**
   * The bridge in the node's namespace that leads into the launcher pod's network (agent/network):
   * the guest's NIC on the pod network is a tap on it. Without it (a node whose pods have no
   * sandbox the agent can join) masquerade falls back to QEMU's user-mode network.
   */
  podBridge?: string;
  /**
   * MACs of the running guest's interfaces by interface name, for those the spec gives none:
   * libvirt chose them at define, and a migration's destination must keep them.
   */
  macs?: Record<string, string>;
}
