/** Compression and image format by their magic bytes: never by name or Content-Type. */
import type { ImportResult } from "./types.ts";

export type Compression = ImportResult["compression"];
export type ImageFormat = ImportResult["format"];

const GZIP_MAGIC = [0x1f, 0x8b];
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const QCOW2_MAGIC = [0x51, 0x46, 0x49, 0xfb]; // "QFI\xfb"

/** Bytes to look at for the compression. */
export const COMPRESSION_MAGIC_LENGTH = XZ_MAGIC.length;
/** Formats and compressions that are not imported, by their magic bytes. */
const REFUSED_MAGIC: Array<[string, number[]]> = [
  ["vmdk", [0x4b, 0x44, 0x4d, 0x56]], // "KDMV"
  ["vhdx", [...new TextEncoder().encode("vhdxfile")]],
  ["vhd", [...new TextEncoder().encode("conectix")]],
  ["qcow (version 1)", [0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 1]],
  ["zstd-compressed", [0x28, 0xb5, 0x2f, 0xfd]],
  ["bzip2-compressed", [0x42, 0x5a, 0x68]], // "BZh"
  ["zip", [0x50, 0x4b, 0x03, 0x04]],
];

/** Bytes to look at for the format. */
export const FORMAT_MAGIC_LENGTH = 8;

const startsWith = (head: Uint8Array, magic: number[]) =>
  head.length >= magic.length && magic.every((byte, i) => head[i] === byte);

/** The compression of a body from its first bytes. */
export function compressionOf(head: Uint8Array): Compression {
  if (startsWith(head, GZIP_MAGIC)) return "gzip";
  if (startsWith(head, XZ_MAGIC)) return "xz";
  return "none";
}

/** The format of a (decompressed) image from its first bytes: qcow2, else raw. */
export function formatOf(head: Uint8Array): ImageFormat {
  return startsWith(head, QCOW2_MAGIC) ? "qcow2" : "raw";
}

/**
 * The name of a format the import refuses, if the (decompressed) image starts like one: imported
 * as raw bytes, it would give the guest a disk it cannot read.
 */
export function refusedFormatOf(head: Uint8Array): string | undefined {
  return REFUSED_MAGIC.find(([, magic]) => startsWith(head, magic))?.[0];
}
