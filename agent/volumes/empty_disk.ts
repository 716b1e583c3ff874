/** emptyDisk: a sparse qcow2 of the asked capacity that lives and dies with the VMI. */
import { join } from "node:path";
import { parseQuantity, type Volume } from "../../api/mod.ts";
import { TerminalError } from "../../lib/errors.ts";
import { runChecked } from "../../lib/exec.ts";
import { type PreparedDisk, volumeLabel } from "./context.ts";

/** Creates `<vmiDir>/<volume>.qcow2` unless it exists (a restarted agent keeps the guest's data). */
export async function prepareEmptyDisk(
  volume: Volume & { emptyDisk: NonNullable<Volume["emptyDisk"]> },
  vmiDir: string,
): Promise<PreparedDisk> {
  const bytes = capacityBytes(
    volume.emptyDisk.capacity,
    `${volumeLabel(volume.name)}: emptyDisk.capacity`,
  );
  const path = join(vmiDir, `${volume.name}.qcow2`);
  if (!(await exists(path))) {
    const temp = join(vmiDir, `.${volume.name}.qcow2.tmp`);
    await runChecked("qemu-img", ["create", "-q", "-f", "qcow2", temp, String(bytes)]);
    await Deno.rename(temp, path);
  }
  return { name: volume.name, path, format: "qcow2", device: "file" };
}

/** A capacity quantity in bytes; must be positive. */
export function capacityBytes(quantity: string | number, what: string): bigint {
  let bytes: bigint;
  try {
    bytes = parseQuantity(quantity).value;
  } catch (error) {
    throw new TerminalError(`${what}: ${(error as Error).message}`);
  }
  if (bytes <= 0n) throw new TerminalError(`${what}: must be more than zero`);
  return bytes;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
