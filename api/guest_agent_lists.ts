/**
 * What the `userlist` and `filesystemlist` subresources answer: KubeVirt's
 * VirtualMachineInstanceGuestOSUserList and VirtualMachineInstanceFileSystemList, as virt-api
 * writes them (no kind or apiVersion, an empty `metadata`, `items` always present).
 */

/** One user logged in to the guest (KubeVirt's VirtualMachineInstanceGuestOSUser). */
export interface GuestOSUser {
  userName: string;
  domain?: string;
  /** The earliest login of the user, in fractional seconds since the epoch. */
  loginTime?: number;
}

/** A disk under a guest filesystem (KubeVirt's VirtualMachineInstanceFileSystemDisk). */
export interface GuestFileSystemDisk {
  serial?: string;
  busType: string;
}

/** One mounted filesystem of the guest (KubeVirt's VirtualMachineInstanceFileSystem). */
export interface GuestFileSystem {
  diskName: string;
  mountPoint: string;
  fileSystemType: string;
  usedBytes: number;
  totalBytes: number;
  disk?: GuestFileSystemDisk[];
}

/** A list as virt-api answers it. */
export interface GuestAgentList<T> {
  metadata: Record<string, never>;
  items: T[];
}

/** The list body of `items`. */
export function guestAgentList<T>(items: T[]): GuestAgentList<T> {
  return { metadata: {}, items };
}
