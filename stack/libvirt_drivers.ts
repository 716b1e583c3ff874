/**
 * The connection drivers the private libvirtd loads. The monolithic libvirtd loads every driver
 * module it finds (network, storage, nodedev, nwfilter, secret, interface, and lxc, libxl, vbox
 * where installed) and starts each one's state: the node-device driver alone enumerates every
 * udev device. denovirt's domains need only the QEMU driver (disks are files or block devices,
 * interfaces `user` or `bridge`, no libvirt networks, pools, secrets or filters), so libvirtd is
 * pointed at a directory holding only that module through `LIBVIRT_DRIVER_DIR`, which it reads
 * in place of its compiled-in directory; a missing optional module is skipped, not an error.
 */
import { join } from "node:path";

/** The driver modules the stack's libvirtd loads. */
export const STACK_LIBVIRT_DRIVERS = ["qemu"] as const;

/** Where distributions install libvirt's connection drivers (Debian's multiarch, then others). */
export const DRIVER_DIR_CANDIDATES = [
  "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver",
  "/usr/lib/aarch64-linux-gnu/libvirt/connection-driver",
  "/usr/lib64/libvirt/connection-driver",
  "/usr/lib/libvirt/connection-driver",
];

/** A driver's module file name, as libvirt names it. */
export function driverModule(driver: string): string {
  return `libvirt_driver_${driver}.so`;
}

/**
 * Makes `<libvirtRoot>/drivers` hold links to just STACK_LIBVIRT_DRIVERS of the first candidate
 * directory that has them all; answers the directory, or undefined (libvirtd then loads every
 * driver, as before) when no candidate has them.
 */
export async function stackDriverDir(
  libvirtRoot: string,
  candidates = DRIVER_DIR_CANDIDATES,
): Promise<string | undefined> {
  const modules = STACK_LIBVIRT_DRIVERS.map(driverModule);
  for (const dir of candidates) {
    const present = await Promise.all(modules.map((m) => exists(join(dir, m))));
    if (!present.every((p) => p)) continue;
    const own = join(libvirtRoot, "drivers");
    await Deno.remove(own, { recursive: true }).catch(() => {});
    await Deno.mkdir(own, { recursive: true });
    for (const m of modules) await Deno.symlink(join(dir, m), join(own, m));
    return own;
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}
