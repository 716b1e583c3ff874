/**
 * A pulled containerDisk checked the way an import is: its format told by its magic bytes (raw
 * or qcow2, nothing else), a qcow2 self-contained (no backing or external data file, not
 * encrypted) and readable by `qemu-img info` under its limits. Nothing here trusts the image.
 */
import { formatOf, refusedFormatOf } from "../import/detect.ts";
import { QCOW2_HEADER_BYTES, qcow2HeaderProblem, qcow2InfoProblem } from "../import/qcow2.ts";
import { QemuImgError, qemuImgInfo } from "../import/qemu_img.ts";

/** What the check found: the format to name to QEMU, and the guest's disk size. */
export interface CheckedDisk {
  format: "raw" | "qcow2";
  virtualSizeBytes: number;
}

/** A disk the agent will not run; the message says why (the image's name comes from the caller). */
export class DiskImageError extends Error {
  override name = "DiskImageError";
}

/** Checks the disk file at `path`; throws a DiskImageError for an image that is not safe to run. */
export async function checkDiskImage(path: string, signal: AbortSignal): Promise<CheckedDisk> {
  const head = await readHead(path, QCOW2_HEADER_BYTES);
  const refused = refusedFormatOf(head);
  if (refused) throw new DiskImageError(`the disk is a ${refused} image: only raw and qcow2 run`);
  const format = formatOf(head);
  if (format === "qcow2") {
    const problem = qcow2HeaderProblem(head);
    if (problem) throw new DiskImageError(problem);
  }
  let info;
  try {
    info = await qemuImgInfo(path, format, signal);
  } catch (error) {
    if (error instanceof QemuImgError) {
      throw new DiskImageError(`qemu-img cannot read the ${format} disk: ${error.stderr.trim()}`);
    }
    throw error;
  }
  const problem = format === "qcow2" ? qcow2InfoProblem(info) : undefined;
  if (problem) throw new DiskImageError(problem);
  return { format, virtualSizeBytes: info["virtual-size"] };
}

async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    const buffer = new Uint8Array(bytes);
    let at = 0;
    while (at < bytes) {
      const n = await file.read(buffer.subarray(at));
      if (n === null) break;
      at += n;
    }
    return buffer.subarray(0, at);
  } finally {
    file.close();
  }
}
