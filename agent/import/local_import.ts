/** The sources on the node: a blank image, and a clone of another claim's raw image. */
import { messageOf } from "../../lib/errors.ts";
import { diskFull, isDiskFull, retryable, terminal } from "./errors.ts";
import { qemuImgConvert, qemuImgInfo } from "./qemu_img.ts";
import type { ImportPaths } from "./scratch.ts";
import type { ImportRequest, ImportResult } from "./types.ts";

/** An empty partial image: publish() gives it the capacity, as a hole. */
export async function importBlank(
  req: ImportRequest,
  paths: ImportPaths,
): Promise<ImportResult> {
  const file = await Deno.open(paths.partial, { write: true, createNew: true, mode: 0o600 });
  file.close();
  req.onProgress?.({ bytes: 0, totalBytes: 0 });
  return { format: "raw", compression: "none", transferredBytes: 0, virtualSizeBytes: 0 };
}

/** The source image copied sparse (holes stay holes) by qemu-img, read as raw. */
export async function importClone(
  sourcePath: string,
  req: ImportRequest,
  paths: ImportPaths,
): Promise<ImportResult> {
  const { signal, capacityBytes } = req;
  const where = `Cannot clone ${sourcePath}`;
  try {
    await Deno.stat(sourcePath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw retryable("SourceNotFound", `${where}: the source image does not exist (yet)`);
    }
    throw error;
  }
  // info also sizes block devices, whose stat size is 0.
  const size = (await qemuImgInfo(sourcePath, "raw", signal))["virtual-size"];
  if (size > capacityBytes) {
    throw terminal(
      "ImageTooLarge",
      `${where}: the source image's ${size} bytes are more than the volume's capacity of ` +
        `${capacityBytes} bytes`,
    );
  }
  try {
    await qemuImgConvert(sourcePath, "raw", paths.partial, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    if (isDiskFull(error)) throw diskFull(where);
    // A running VM holds the image's lock: cloning it then would copy a disk being written.
    if (/lock/i.test(messageOf(error))) {
      throw retryable("SourceInUse", `${where}: the source image is in use`);
    }
    throw error;
  }
  req.onProgress?.({ bytes: size, totalBytes: size });
  return {
    format: "raw",
    compression: "none",
    transferredBytes: size,
    virtualSizeBytes: size,
  };
}
