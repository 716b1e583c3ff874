/**
 * ustar headers, written by hand: a containerDisk layer is a tiny tar (one directory, one file),
 * and tests need tars no archiver would make on purpose (`../` names, symlinks as the disk).
 */

/** Where a file entry's bytes come from: a file on disk, or bytes in memory. */
export type TarContent = { path: string } | { bytes: Uint8Array };

/** A directory member; without owner and mode, 0:0 and 0755. */
export interface TarDirectory {
  type: "directory";
  name: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** A regular file member; without owner and mode, 0:0 and 0644. */
export interface TarFile {
  type: "file";
  name: string;
  size: number;
  content: TarContent;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** A symbolic or hard link member. */
export interface TarLink {
  type: "symlink" | "hardlink";
  name: string;
  target: string;
  uid?: number;
  gid?: number;
}

/** One member of a tar archive. */
export type TarEntry = TarDirectory | TarFile | TarLink;

/** The qemu user and group KubeVirt runs guests as; containerDisk files should be theirs. */
export const QEMU_UID = 107;
export const QEMU_GID = 107;

export const TAR_BLOCK = 512;

/** Every member's modification time: fixed, so the same disk always makes the same layer. */
const MTIME = 0;

const TYPE_FLAGS = { file: "0", hardlink: "1", symlink: "2", directory: "5" } as const;

/** The two members of a containerDisk layer: `disk/` and `disk/<fileName>`, 107:107, read-only. */
export function containerDiskEntries(
  fileName: string,
  size: number,
  content: TarContent,
): [TarDirectory, TarFile] {
  return [
    { type: "directory", name: "disk/", mode: 0o555, uid: QEMU_UID, gid: QEMU_GID },
    {
      type: "file",
      name: `disk/${fileName}`,
      size,
      content,
      mode: 0o444,
      uid: QEMU_UID,
      gid: QEMU_GID,
    },
  ];
}

/** The 512-byte ustar header of an entry; throws when its name or link cannot be stored. */
export function tarHeader(entry: TarEntry): Uint8Array {
  const header = new Uint8Array(TAR_BLOCK);
  const [prefix, name] = splitName(entry.name);
  const defaultMode = entry.type === "directory" ? 0o755 : 0o644;
  const mode = "mode" in entry && entry.mode !== undefined ? entry.mode : defaultMode;
  putText(header, 0, 100, name, entry.name);
  putOctal(header, 100, 8, entry.type === "symlink" ? 0o777 : mode);
  putOctal(header, 108, 8, entry.uid ?? 0);
  putOctal(header, 116, 8, entry.gid ?? 0);
  putSize(header, entry.type === "file" ? entry.size : 0);
  putOctal(header, 136, 12, MTIME);
  header.fill(0x20, 148, 156); // The checksum is computed with its own field as spaces.
  putText(header, 156, 1, TYPE_FLAGS[entry.type], entry.name);
  if (entry.type === "symlink" || entry.type === "hardlink") {
    putText(header, 157, 100, entry.target, entry.target);
  }
  putText(header, 257, 6, "ustar\0", "magic");
  putText(header, 263, 2, "00", "version");
  putText(header, 345, 155, prefix, entry.name);
  const sum = header.reduce((total, byte) => total + byte, 0);
  putText(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ", "checksum");
  return header;
}

/** Zeros that pad `size` content bytes to a whole block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}

/** The end-of-archive marker: two zero blocks. */
export function tarEnd(): Uint8Array {
  return new Uint8Array(2 * TAR_BLOCK);
}

/** ustar keeps names over 100 bytes as prefix + "/" + name, split at a slash. */
function splitName(full: string): [string, string] {
  const bytes = new TextEncoder().encode(full).length;
  if (bytes <= 100) return ["", full];
  for (
    let cut = full.lastIndexOf("/", full.length - 2);
    cut > 0;
    cut = full.lastIndexOf("/", cut - 1)
  ) {
    const prefix = full.slice(0, cut);
    const name = full.slice(cut + 1);
    if (utf8Length(prefix) <= 155 && utf8Length(name) <= 100) return [prefix, name];
  }
  throw new Error(`Cannot store tar name: too long for ustar: ${full}`);
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

function putText(header: Uint8Array, offset: number, width: number, text: string, what: string) {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > width) throw new Error(`Cannot store tar field: too long: ${what}`);
  header.set(bytes, offset);
}

/** An octal number, zero-padded, NUL-terminated. */
function putOctal(header: Uint8Array, offset: number, width: number, value: number) {
  const digits = value.toString(8).padStart(width - 1, "0");
  if (digits.length > width - 1) throw new Error(`Cannot store tar number: too large: ${value}`);
  putText(header, offset, width, digits + "\0", "number");
}

/**
 * The size field: octal up to 8 GiB - 1; above that the base-256 form GNU tar and Go's
 * archive/tar read (high bit set, big-endian binary), since disks can be larger than 8 GiB.
 */
function putSize(header: Uint8Array, size: number) {
  if (size < 8 ** 11) return putOctal(header, 124, 12, size);
  let rest = BigInt(size);
  for (let i = 124 + 11; i > 124; i--) {
    header[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  header[124] = 0x80;
}
