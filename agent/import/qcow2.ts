/**
 * A downloaded qcow2 made raw, after checks that keep it from reading anything but itself: no
 * backing file, no external data file (both could name any file on the node), not encrypted,
 * and a virtual size within the capacity.
 */
import { messageOf } from "../../lib/errors.ts";
import { diskFull, isDiskFull, terminal } from "./errors.ts";
import { qemuImgConvert, type QemuImgInfo, qemuImgInfo } from "./qemu_img.ts";

/** Bytes of the header that `qcow2HeaderProblem()` reads. */
export const QCOW2_HEADER_BYTES = 104;

// Header fields (big endian), from qemu's docs/interop/qcow2.txt.
const VERSION = 4;
const BACKING_FILE_OFFSET = 8;
const CRYPT_METHOD = 32;
const INCOMPATIBLE_FEATURES = 72;
const EXTERNAL_DATA_FILE_BIT = 1n << 2n;

const SELF_CONTAINED = "only self-contained images are imported";
const BACKING_FILE = `the qcow2 image has a backing file: ${SELF_CONTAINED}`;
const DATA_FILE = `the qcow2 image has an external data file: ${SELF_CONTAINED}`;
const ENCRYPTED = "the qcow2 image is encrypted: encrypted images are not supported";

/** Why the header alone makes the image unsafe, if it does; checked before qemu-img opens it. */
export function qcow2HeaderProblem(header: Uint8Array): string | undefined {
  if (header.length < 72) return "the qcow2 header is truncated";
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (view.getBigUint64(BACKING_FILE_OFFSET) !== 0n) return BACKING_FILE;
  if (view.getUint32(CRYPT_METHOD) !== 0) return ENCRYPTED;
  const version = view.getUint32(VERSION);
  if (version >= 3 && header.length >= INCOMPATIBLE_FEATURES + 8) {
    const features = view.getBigUint64(INCOMPATIBLE_FEATURES);
    if ((features & EXTERNAL_DATA_FILE_BIT) !== 0n) {
      return DATA_FILE;
    }
  }
  return undefined;
}

/** The same checks on what qemu-img reports. */
export function qcow2InfoProblem(info: QemuImgInfo): string | undefined {
  if (info["backing-filename"] !== undefined || info["full-backing-filename"] !== undefined) {
    return BACKING_FILE;
  }
  if (info["format-specific"]?.data?.["data-file"] !== undefined) return DATA_FILE;
  if (info.encrypted) return ENCRYPTED;
  return undefined;
}

/** Checks the qcow2 at `source` and converts it into the new raw file `target`; its virtual size. */
export async function qcow2ToRaw(
  source: string,
  target: string,
  capacityBytes: number,
  signal: AbortSignal,
  where: string,
): Promise<number> {
  const unsafe = (problem: string) => terminal("UnsafeImage", `${where}: ${problem}`);
  const headerProblem = qcow2HeaderProblem(await readHead(source, QCOW2_HEADER_BYTES));
  if (headerProblem) throw unsafe(headerProblem);
  let info: QemuImgInfo;
  try {
    info = await qemuImgInfo(source, "qcow2", signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw terminal("InvalidImage", `${where}: the qcow2 image cannot be read: ${messageOf(error)}`);
  }
  const infoProblem = qcow2InfoProblem(info);
  if (infoProblem) throw unsafe(infoProblem);
  const virtualSize = info["virtual-size"];
  if (virtualSize > capacityBytes) {
    throw terminal(
      "ImageTooLarge",
      `${where}: the image's virtual size of ${virtualSize} bytes is larger than the ` +
        `volume's capacity of ${capacityBytes} bytes`,
    );
  }
  try {
    await qemuImgConvert(source, "qcow2", target, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    if (isDiskFull(error)) throw diskFull(where);
    throw terminal(
      "InvalidImage",
      `${where}: the qcow2 image cannot be converted: ${messageOf(error)}`,
    );
  }
  return virtualSize;
}

/** The first `bytes` bytes of a file (fewer if it is shorter). */
export async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    const head = new Uint8Array(bytes);
    let size = 0;
    while (size < bytes) {
      const n = await file.read(head.subarray(size));
      if (n === null) break;
      size += n;
    }
    return head.subarray(0, size);
  } finally {
    file.close();
  }
}
