/** What the domain renderer is given besides the VMI: facts about the node and prepared inputs. */

/** Facts about the node the VMI runs on. */
export interface NodeFacts {
  /** The Kubernetes node name. */
  name: string;
  /** Whether KVM really works here; false renders a TCG (`type='qemu'`) domain. */
  kvm: boolean;
  /** Root of the per-VMI directories holding sockets and logs (`<runDir>/<ns>_<name>/`). */
  runDir: string;
  /** Host bridge that `bridge` interfaces on the pod network attach to. */
  bridge?: string;
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
}
