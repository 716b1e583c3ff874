/**
 * persistentVolumeClaim, dataVolume and ephemeral: node-local claims resolved to a host path by
 * the agent's provisioner (a file, a block device, or a directory holding `disk.img` as CDI's
 * filesystem-mode claims do).
 */
import { isAbsolute, join } from "node:path";
import { TerminalError } from "../../lib/errors.ts";
import { runChecked } from "../../lib/exec.ts";
import { type PreparedDisk, type VolumeContext, volumeLabel } from "./context.ts";
import { exists } from "./empty_disk.ts";
import { safeJoin } from "./paths.ts";

/** The raw image or block device of a claim. */
export async function prepareClaim(
  name: string,
  namespace: string,
  claimName: string,
  readOnly: boolean,
  ctx: Pick<VolumeContext, "resolveClaim">,
): Promise<PreparedDisk> {
  const label = volumeLabel(name);
  const hostPath = await ctx.resolveClaim(namespace, claimName);
  if (!isAbsolute(hostPath)) {
    throw new Error(
      `${label}: claim ${namespace}/${claimName} resolved to a relative path ${hostPath}`,
    );
  }
  const real = await Deno.realPath(hostPath).catch((error) => {
    throw new Error(`${label}: claim ${namespace}/${claimName} at ${hostPath}: ${error.message}`);
  });
  const info = await Deno.stat(real);
  let path = real;
  let device: PreparedDisk["device"] = "file";
  if (info.isDirectory) {
    // The claim's contents may be written by any pod that mounts it: disk.img must not lead out.
    path = await safeJoin(real, "disk.img").catch((error) => {
      throw new TerminalError(`${label}: claim ${namespace}/${claimName}: ${error.message}`);
    });
    const image = await Deno.stat(path).catch(() => undefined);
    if (!image?.isFile) {
      throw new Error(`${label}: claim ${namespace}/${claimName} holds no disk.img yet`);
    }
  } else if (info.isBlockDevice) {
    device = "block";
  } else if (!info.isFile) {
    throw new TerminalError(
      `${label}: claim ${namespace}/${claimName} is neither a file, a block device nor a directory`,
    );
  }
  // CDI stores images raw; probing the format of guest-written data is unsafe.
  return { name, path, format: "raw", device, ...(readOnly ? { readonly: true } : {}) };
}

/**
 * A qcow2 overlay in the VMI's directory over a read-only base (an `ephemeral` claim's image, a
 * containerDisk): the guest's writes go to the overlay and go with the VMI.
 */
export async function prepareOverlay(
  base: PreparedDisk,
  vmiDir: string,
): Promise<PreparedDisk> {
  const path = join(vmiDir, `${base.name}.overlay.qcow2`);
  if (!(await exists(path))) {
    const temp = join(vmiDir, `.${base.name}.overlay.qcow2.tmp`);
    await runChecked("qemu-img", [
      "create",
      "-q",
      "-f",
      "qcow2",
      "-F",
      base.format,
      "-b",
      base.path,
      temp,
    ]);
    await Deno.rename(temp, path);
  }
  return { name: base.name, path, format: "qcow2", device: "file" };
}
