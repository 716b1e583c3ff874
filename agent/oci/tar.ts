/**
 * A streaming tar reader: ustar, pax extended headers (path, linkpath, size) and GNU long names,
 * each entry's data read at most once and skipped if unread. Every name is checked: an absolute
 * name or a `..` anywhere (a hard link's target too) is UnsafeLayer, naming the entry.
 */
import { ByteReader } from "./byte_reader.ts";
import { terminal } from "./errors.ts";
import { BLOCK, isZeroBlock, parseHeader, parsePax } from "./tar_header.ts";

export type TarEntryType =
  | "file"
  | "dir"
  | "symlink"
  | "hardlink"
  | "char"
  | "block"
  | "fifo"
  | "other";

/** One entry of an archive. */
export interface TarEntry {
  /** Normalized and relative: no leading `/` or `./`, no `.` parts, no trailing `/`; "" is the root. */
  path: string;
  type: TarEntryType;
  /** Bytes of data (0 for everything but regular files and unknown types). */
  size: number;
  /** A link's target as written (a hard link's is a checked path in the archive). */
  linkname: string;
  /** The data, in chunks; read it before asking for the next entry, or it is skipped. */
  data(): AsyncGenerator<Uint8Array>;
}

/** Metadata entries are small: more is refused rather than held in memory. */
const MAX_META_BYTES = 1024 * 1024;
const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "dir",
  "6": "fifo",
  "D": "dir",
};
/** Types whose size field is not followed by data (as Go's archive/tar reads them). */
const HEADER_ONLY = new Set<TarEntryType>(["hardlink", "symlink", "char", "block", "dir", "fifo"]);

/** The entries of the tar `stream`; reads the stream to its end. `where` names the layer. */
export async function* readTar(
  stream: ReadableStream<Uint8Array>,
  where: string,
): AsyncGenerator<TarEntry> {
  const input = new ByteReader(stream);
  const invalid = (why: string) =>
    terminal("UnsupportedLayer", `${where} is not a valid tar archive: ${why}`);
  const truncated = () => invalid("it ends in the middle of an entry");
  const meta = async (size: number) => {
    if (size > MAX_META_BYTES) throw invalid(`a metadata entry of ${size} bytes is too large`);
    const { bytes } = await input.exact(size);
    if (!bytes || !(await input.skip(padding(size)))) throw truncated();
    return bytes;
  };
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    for (;;) {
      const { bytes: block, partial } = await input.exact(BLOCK);
      if (partial) throw truncated();
      if (!block || isZeroBlock(block)) break;
      const header = parseHeader(block, where);
      switch (header.typeflag) {
        case "x":
          pax = { ...pax, ...parsePax(await meta(header.size), where) };
          continue;
        case "g": // Global pax records carry nothing this reader uses.
          await meta(header.size);
          continue;
        case "L":
          longName = cString(await meta(header.size));
          continue;
        case "K":
          longLink = cString(await meta(header.size));
          continue;
        case "S":
          throw terminal("UnsupportedLayer", `${where} holds a GNU sparse file, not supported`);
      }
      if (Object.keys(pax).some((key) => key.startsWith("GNU.sparse."))) {
        throw terminal("UnsupportedLayer", `${where} holds a GNU sparse file, not supported`);
      }
      const name = pax.path ?? longName ?? header.name;
      const linkname = pax.linkpath ?? longLink ?? header.linkname;
      let size = header.size;
      if (pax.size !== undefined) {
        if (!/^\d+$/.test(pax.size) || !Number.isSafeInteger(Number(pax.size))) {
          throw invalid(`the pax size of ${JSON.stringify(name)} is not a number`);
        }
        size = Number(pax.size);
      }
      pax = {};
      longName = longLink = undefined;

      let type = TYPES[header.typeflag] ?? "other";
      // Before ustar, a directory was a "file" whose name ends with a slash.
      if (header.typeflag === "0" && name.endsWith("/")) type = "dir";
      if (HEADER_ONLY.has(type)) size = 0;
      const path = safePath(name, where);
      if (type === "hardlink") safePath(linkname, where, `hard link ${JSON.stringify(name)} to`);

      let left = size;
      yield {
        path,
        type,
        size,
        linkname,
        async *data() {
          while (left > 0) {
            const chunk = await input.read(Math.min(left, MAX_META_BYTES));
            if (!chunk) throw truncated();
            left -= chunk.length;
            yield chunk;
          }
        },
      };
      if (!(await input.skip(left + padding(size)))) throw truncated();
    }
    // The end marker may be followed by more zeros, and the digest is checked at the very end.
    await input.drain();
  } finally {
    await input.cancel();
  }
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** The normalized relative path of an entry's name; UnsafeLayer if it could leave the root. */
function safePath(name: string, where: string, what = "the entry"): string {
  const unsafe = (why: string) =>
    terminal("UnsafeLayer", `${where} has ${what} ${JSON.stringify(name)}, ${why}`);
  if (name.startsWith("/")) throw unsafe("an absolute name");
  const parts = name.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw unsafe("a name that climbs out with ..");
  return parts.join("/");
}
