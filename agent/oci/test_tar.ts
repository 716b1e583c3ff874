/** Test helper: tar archives written byte by byte, including what real tools refuse to write. */
import type { TarEntryType } from "./tar.ts";

export interface TestEntry {
  name: string;
  type?: TarEntryType;
  data?: Uint8Array | string;
  linkname?: string;
  /** How a name longer than 100 bytes is carried: a pax `path` record, or a GNU `L` entry. */
  long?: "pax" | "gnu";
}

const FLAGS: Record<TarEntryType, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
  other: "V",
};

const encoder = new TextEncoder();
const bytesOf = (data: Uint8Array | string = "") =>
  typeof data === "string" ? encoder.encode(data) : data;

/** One 512-byte ustar header (`magic` "ustar\0" and version "00"). */
export function headerBlock(
  name: string,
  typeflag: string,
  size: number,
  linkname = "",
): Uint8Array {
  const block = new Uint8Array(512);
  const put = (at: number, text: string) => block.set(encoder.encode(text), at);
  put(0, name.slice(0, 100));
  put(100, "0000644\0");
  put(108, "0000000\0");
  put(116, "0000000\0");
  put(124, size.toString(8).padStart(11, "0") + "\0");
  put(136, "00000000000\0");
  put(148, "        ");
  put(156, typeflag);
  put(157, linkname.slice(0, 100));
  put(257, "ustar\0" + "00");
  const sum = block.reduce((a, b) => a + b, 0);
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

/** A pax record `<length> key=value\n`, the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = encoder.encode(body).length;
  while (String(length).length + encoder.encode(body).length !== length) {
    length = String(length).length + encoder.encode(body).length;
  }
  return `${length}${body}`;
}

/** The archive of `entries`, with the two-block end marker unless `end` is false. */
export function tarOf(entries: TestEntry[], end = true): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const data = bytesOf(entry.data);
    if (entry.long === "pax") {
      const records = encoder.encode(paxRecord("path", entry.name));
      parts.push(headerBlock("PaxHeaders/x", "x", records.length), padded(records));
    } else if (entry.long === "gnu") {
      const name = encoder.encode(entry.name + "\0");
      parts.push(headerBlock("././@LongLink", "L", name.length), padded(name));
    }
    const flag = FLAGS[entry.type ?? "file"];
    parts.push(headerBlock(entry.name, flag, data.length, entry.linkname), padded(data));
  }
  if (end) parts.push(new Uint8Array(1024));
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, at), at += part.length;
  return out;
}
