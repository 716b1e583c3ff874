/**
 * Where a containerDisk's disk is once every layer is applied, worked out entry by entry without
 * unpacking: only the paths that decide it are tracked (the disk's directory, its ancestors and
 * children, or the given path and its ancestors). Whiteouts hide what lower layers put there,
 * an opaque whiteout hides all of a directory's lower content; links are never followed.
 */
import { terminal } from "./errors.ts";
import type { TarEntryType } from "./tar.ts";

/** KubeVirt's default: the single file in this directory is the disk. */
export const DISK_DIR = "disk";
const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
/** aufs metadata (`.wh..wh.plnk`, ...): no change to the tree. */
const WHITEOUT_META = ".wh..wh.";

interface Node {
  type: TarEntryType;
  /** The last layer that wrote or touched it: whiteouts hide only lower layers' nodes. */
  layer: number;
}

/** What the caller must do about one entry. */
export interface Applied {
  /** Candidates stored earlier that are gone now: drop their data. */
  stale: string[];
  /** This entry is a candidate for the disk: store its data under this path. */
  store?: string;
}

const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf("/")));
const isUnder = (path: string, dir: string) => dir === "" || path.startsWith(`${dir}/`);
const KINDS: Record<TarEntryType, string> = {
  file: "a regular file",
  dir: "a directory",
  symlink: "a symbolic link (links are not followed)",
  hardlink: "a hard link",
  char: "a character device",
  block: "a block device",
  fifo: "a FIFO",
  other: "a special file",
};

/** Tracks the disk's candidates through the layers of one image. */
export class DiskSearch {
  readonly #nodes = new Map<string, Node>();
  /** The disk's directory, or the given disk path. */
  readonly #spot: string;
  readonly #given: boolean;

  /** `path`: KubeVirt's containerDisk `path`, the disk file itself; else the file in /disk/. */
  constructor(path: string | undefined, private readonly where: string) {
    this.#given = path !== undefined;
    const parts = (path ?? DISK_DIR).split("/").filter((p) => p !== "" && p !== ".");
    if (parts.length === 0 || parts.includes("..")) {
      throw terminal(
        "NotADiskImage",
        `${where}: the disk path ${JSON.stringify(path)} is not a file path`,
      );
    }
    this.#spot = parts.join("/");
  }

  #relevant(path: string): boolean {
    return path === this.#spot || isUnder(this.#spot, path) || this.#isCandidate(path);
  }

  #isCandidate(path: string): boolean {
    return this.#given ? path === this.#spot : parentOf(path) === this.#spot;
  }

  /** Applies an entry of layer `layer` (counting up from the base); `where` names the layer. */
  apply(layer: number, path: string, type: TarEntryType, where: string): Applied {
    const stale: string[] = [];
    if (path === "") return { stale };
    this.#touchParents(path, layer, where);
    const dir = parentOf(path);
    const name = path.slice(dir === "" ? 0 : dir.length + 1);
    if (name === OPAQUE) {
      this.#remove((p) => isUnder(p, dir) && p !== dir, layer, stale);
      return { stale };
    }
    if (name.startsWith(WHITEOUT_META)) return { stale };
    if (name.startsWith(WHITEOUT)) {
      const hidden = dir === ""
        ? name.slice(WHITEOUT.length)
        : `${dir}/${name.slice(WHITEOUT.length)}`;
      this.#remove((p) => p === hidden || isUnder(p, hidden), layer, stale);
      return { stale };
    }
    if (!this.#relevant(path)) return { stale };
    const existing = this.#nodes.get(path);
    if (existing?.type === "dir" && type === "dir") {
      existing.layer = layer;
      return { stale };
    }
    // Anything else replaces what was there, a directory with all it held.
    if (existing) this.#remove((p) => p === path || isUnder(p, path), Infinity, stale);
    this.#nodes.set(path, { type, layer });
    return { stale, ...(type === "file" && this.#isCandidate(path) ? { store: path } : {}) };
  }

  /** The relevant directories above `path` exist now, as directories, touched by this layer. */
  #touchParents(path: string, layer: number, where: string) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      if (!this.#relevant(parent)) continue;
      const node = this.#nodes.get(parent);
      if (!node) this.#nodes.set(parent, { type: "dir", layer });
      else if (node.type === "dir") node.layer = layer;
      else {
        throw terminal(
          "UnsafeLayer",
          `${where} has the entry ${JSON.stringify(path)} under /${parent}, which is ` +
            KINDS[node.type],
        );
      }
    }
  }

  /** Removes the matching nodes of layers below `below`; candidates removed go to `stale`. */
  #remove(match: (path: string) => boolean, below: number, stale: string[]) {
    for (const [path, node] of this.#nodes) {
      if (!match(path) || node.layer >= below) continue;
      this.#nodes.delete(path);
      if (node.type === "file" && this.#isCandidate(path)) stale.push(path);
    }
  }

  /** The disk's path once all layers are applied; NotADiskImage when there is no single file. */
  result(): string {
    const fail = (why: string) => terminal("NotADiskImage", `${this.where}: ${why}`);
    const parts = this.#spot.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const node = this.#nodes.get(parent);
      if (node && node.type !== "dir") throw fail(`/${parent} is ${KINDS[node.type]}`);
    }
    const spot = this.#nodes.get(this.#spot);
    if (this.#given) {
      if (!spot) throw fail(`the image has no file at /${this.#spot}`);
      if (spot.type !== "file") {
        throw fail(`/${this.#spot} is ${KINDS[spot.type]}, not a regular file`);
      }
      return this.#spot;
    }
    if (!spot) throw fail(`the image has no /${DISK_DIR}/ directory`);
    if (spot.type !== "dir") throw fail(`/${DISK_DIR} is ${KINDS[spot.type]}, not a directory`);
    const entries = [...this.#nodes.keys()].filter((p) => parentOf(p) === this.#spot).sort();
    if (entries.length === 0) throw fail(`/${DISK_DIR}/ holds no file`);
    if (entries.length > 1) {
      throw fail(
        `more than one file found in /${DISK_DIR}/ (${entries.map((p) => `/${p}`).join(", ")}), ` +
          "only one disk is allowed",
      );
    }
    const [only] = entries as [string];
    const node = this.#nodes.get(only)!;
    if (node.type !== "file") throw fail(`/${only} is ${KINDS[node.type]}, not a regular file`);
    return only;
  }
}
