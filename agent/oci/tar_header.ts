/**
 * The 512-byte headers of tar archives (ustar, GNU and old v7) and pax extended header records,
 * read from their bytes. Failures are UnsupportedLayer errors prefixed with `where`.
 */
import { terminal } from "./errors.ts";

export const BLOCK = 512;

/** The fields of one header that reading a layer needs. */
export interface TarHeader {
  /** The name, with the ustar prefix joined in. */
  name: string;
  linkname: string;
  /** The type flag; a NUL flag is read as "0" (a regular file). */
  typeflag: string;
  /** The size field: the bytes of data that follow the header. */
  size: number;
}

const text = new TextDecoder();

/** A NUL-terminated field. */
function field(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return text.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** A numeric field: octal text, or GNU's base-256 binary (the first byte's high bit set). */
function numeric(block: Uint8Array, start: number, length: number): number | undefined {
  const bytes = block.subarray(start, start + length);
  if (bytes[0]! & 0x80) {
    if (bytes[0] === 0xff) return undefined; // Negative.
    let value = BigInt(bytes[0]! & 0x7f);
    for (const byte of bytes.subarray(1)) value = (value << 8n) | BigInt(byte);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }
  const digits = field(block, start, length).trim();
  if (digits === "") return 0;
  if (!/^[0-7]+$/.test(digits)) return undefined;
  const value = parseInt(digits, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Whether the block is all zeros (the end-of-archive marker). */
export function isZeroBlock(block: Uint8Array): boolean {
  return block.every((byte) => byte === 0);
}

/** Reads a header block; throws if its checksum or size field is not valid. */
export function parseHeader(block: Uint8Array, where: string): TarHeader {
  const invalid = (why: string) =>
    terminal("UnsupportedLayer", `${where} is not a valid tar archive: ${why}`);
  const stored = numeric(block, 148, 8);
  // The checksum counts its own field as spaces; old tars summed signed bytes.
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    unsigned += block[i]!;
    signed += block[i]! > 127 ? block[i]! - 256 : block[i]!;
  }
  if (stored === undefined || (stored !== unsigned && stored !== signed)) {
    throw invalid("a header's checksum does not match");
  }
  const size = numeric(block, 124, 12);
  if (size === undefined) throw invalid("a header's size is not a number");
  const name = field(block, 0, 100);
  // Only POSIX ustar has the prefix field; GNU keeps other data there.
  const ustar = field(block, 257, 6) === "ustar" && block[262] === 0;
  const prefix = ustar ? field(block, 345, 155) : "";
  const flag = String.fromCharCode(block[156]!);
  return {
    name: prefix === "" ? name : `${prefix}/${name}`,
    linkname: field(block, 157, 100),
    typeflag: flag === "\0" ? "0" : flag,
    size,
  };
}

/** The records of a pax extended header: `<length> <key>=<value>\n`, lengths in bytes. */
export function parsePax(bytes: Uint8Array, where: string): Record<string, string> {
  const records: Record<string, string> = {};
  for (let at = 0; at < bytes.length;) {
    if (bytes[at] === 0) break; // Padding.
    const space = bytes.indexOf(0x20, at);
    const length = space > at ? Number(text.decode(bytes.subarray(at, space))) : NaN;
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > bytes.length) {
      throw terminal("UnsupportedLayer", `${where} has a malformed pax extended header`);
    }
    const record = text.decode(bytes.subarray(space + 1, at + length - 1));
    const equals = record.indexOf("=");
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}
