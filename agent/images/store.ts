/**
 * The node's containerDisk images on disk, content-addressed by manifest digest:
 * `<root>/sha256/<entry>/{disk,meta.json}`, where an entry is the digest's hex, with a hash of
 * the disk's path in the image appended when a volume names one (`path`); which reference last
 * resolved to which digest (`refs/`); which VMIs run on which entry (`leases/<entry>/<vmi uid>`).
 * An entry appears by a rename of a complete directory, so a half-pulled image is never seen.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { CachedImage } from "./eviction.ts";

/** What the cache records of an image besides its bytes. */
export interface ImageMeta {
  /** The reference it was pulled by, for messages. */
  image: string;
  /** The manifest digest the disk came from. */
  digest: string;
  format: "raw" | "qcow2";
  virtualSizeBytes: number;
  bytes: number;
  pulledAt: string;
  lastUsedAt: string;
  /**
   * By repository (`registry/repository`): whose credentials the registry accepted for this
   * image there (credentialKeyOf). `anonymous` when it gave it without any, so anyone may use it
   * by that name; otherwise only a VMI presenting one of these. The same bytes public in one
   * repository say nothing of another.
   */
  authorized: Record<string, string[]>;
}

/** One cached image. */
export interface ImageEntry {
  /** The entry's name in the cache (entryName). */
  name: string;
  digest: string;
  /** The disk file QEMU reads through an overlay; never written. */
  path: string;
  meta: ImageMeta;
}

const hexOf = (digest: string) => {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!match) throw new Error(`Cannot use image digest ${JSON.stringify(digest)}: not sha256`);
  return match[1]!;
};

/** The cache entry of an image's disk: the digest's hex, plus a hash of a non-default `path`. */
export function entryName(digest: string, path?: string): string {
  const hex = hexOf(digest);
  return path ? `${hex}-${createHash("sha256").update(path).digest("hex").slice(0, 16)}` : hex;
}

/** The manifest digest of the cached disk at `file`, or undefined when it is not one. */
export function digestOfCachedDisk(file: string): string | undefined {
  const match = /\/sha256\/([0-9a-f]{64})(?:-[0-9a-f]{16})?\/disk$/.exec(file);
  return match ? `sha256:${match[1]}` : undefined;
}

const checkedName = (name: string) => {
  if (!/^[0-9a-f]{64}(?:-[0-9a-f]{16})?$/.test(name)) {
    throw new Error(`Cannot use image cache entry ${JSON.stringify(name)}: not an entry name`);
  }
  return name;
};

export class ImageStore {
  #updates = new Map<string, Promise<void>>();

  constructor(readonly root: string, readonly now: () => number = Date.now) {}

  /** Creates the directories and drops what an interrupted pull left behind. */
  async init(): Promise<void> {
    await Deno.remove(join(this.root, "tmp"), { recursive: true }).catch(() => {});
    for (const dir of ["sha256", "refs", "leases", "tmp"]) {
      await Deno.mkdir(join(this.root, dir), { recursive: true });
    }
  }

  /** The entry `name` (entryName), if cached. */
  async get(name: string): Promise<ImageEntry | undefined> {
    const dir = join(this.root, "sha256", checkedName(name));
    try {
      const meta = JSON.parse(await Deno.readTextFile(join(dir, "meta.json"))) as ImageMeta;
      return { name, digest: meta.digest, path: join(dir, "disk"), meta };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  /** The digest `reference` last resolved to here, if any. */
  async digestOf(reference: string): Promise<string | undefined> {
    try {
      return (await Deno.readTextFile(this.#refPath(reference))).trim() || undefined;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  /** Records that `reference` resolves to `digest`. */
  async remember(reference: string, digest: string): Promise<void> {
    const path = this.#refPath(reference);
    await Deno.writeTextFile(`${path}.tmp`, digest);
    await Deno.rename(`${path}.tmp`, path);
  }

  /**
   * A new empty directory for a pull in progress. The scratch root is made again if it is gone:
   * another agent starting on this node (a rollout's overlap) clears it in its init.
   */
  async scratch(): Promise<string> {
    const dir = join(this.root, "tmp");
    await Deno.mkdir(dir, { recursive: true });
    return Deno.makeTempDir({ dir, prefix: "pull-" });
  }

  /** Moves a complete pull (`dir` holding `disk`) into the cache as entry `name`. */
  async commit(dir: string, name: string, meta: ImageMeta): Promise<ImageEntry> {
    // Overlays read the base; nothing may write it.
    await Deno.chmod(join(dir, "disk"), 0o444);
    await Deno.writeTextFile(join(dir, "meta.json"), JSON.stringify(meta));
    const target = join(this.root, "sha256", checkedName(name));
    try {
      await Deno.rename(dir, target);
    } catch (error) {
      // Another pull of the same digest finished first: keep that one.
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      if (!(await this.get(name))) throw error;
    }
    return (await this.get(name))!;
  }

  /** Marks the entry as used now (for least-recently-used eviction). */
  touch(entry: ImageEntry): Promise<ImageMeta> {
    return this.#update(entry.name, (meta) => ({
      ...meta,
      lastUsedAt: new Date(this.now()).toISOString(),
    }));
  }

  /** Records that the registry accepted the credentials `key` for the image in `repository`. */
  authorize(entry: ImageEntry, repository: string, key: string): Promise<ImageMeta> {
    return this.#update(entry.name, (meta) => {
      const keys = new Set([...meta.authorized?.[repository] ?? [], key]);
      return { ...meta, authorized: { ...meta.authorized, [repository]: [...keys].sort() } };
    });
  }

  /** Rewrites an entry's meta.json, one change at a time per entry (none is lost). */
  #update(name: string, change: (meta: ImageMeta) => ImageMeta): Promise<ImageMeta> {
    const path = join(this.root, "sha256", checkedName(name), "meta.json");
    const previous = this.#updates.get(name) ?? Promise.resolve();
    const next = previous.then(async () => {
      const meta = change(JSON.parse(await Deno.readTextFile(path)) as ImageMeta);
      await Deno.writeTextFile(`${path}.tmp`, JSON.stringify(meta));
      await Deno.rename(`${path}.tmp`, path);
      return meta;
    });
    // The chain never rejects: each caller sees its own update's failure through `next`.
    const settled: Promise<void> = next.then(() => {}, () => {}).then(() => {
      if (this.#updates.get(name) === settled) this.#updates.delete(name);
    });
    this.#updates.set(name, settled);
    return next;
  }

  /** Records that the VMI `uid` runs on the entry `name`. */
  async lease(name: string, uid: string): Promise<void> {
    const dir = join(this.root, "leases", checkedName(name));
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, fileName(uid)), "");
  }

  /** Forgets every lease of the VMI `uid` (its overlays are gone). */
  async release(uid: string): Promise<void> {
    for await (const entry of Deno.readDir(join(this.root, "leases"))) {
      await Deno.remove(join(this.root, "leases", entry.name, fileName(uid))).catch(() => {});
    }
  }

  /** Every cached image with its size, last use and users. */
  async list(): Promise<CachedImage[]> {
    const images: CachedImage[] = [];
    for await (const entry of Deno.readDir(join(this.root, "sha256"))) {
      const image = await this.get(entry.name);
      if (!image) continue;
      let users = 0;
      try {
        for await (const _ of Deno.readDir(join(this.root, "leases", entry.name))) users++;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      images.push({
        name: image.name,
        bytes: image.meta.bytes,
        lastUsedAt: Date.parse(image.meta.lastUsedAt) || 0,
        users,
      });
    }
    return images;
  }

  /** Removes a cached entry (its references are dropped lazily: a lookup finds no entry). */
  async remove(name: string): Promise<void> {
    const hex = checkedName(name);
    // Renamed out of sight first, so no reader sees half a directory.
    const doomed = join(this.root, "tmp", `evict-${hex}`);
    await Deno.rename(join(this.root, "sha256", hex), doomed);
    await Deno.remove(doomed, { recursive: true });
    await Deno.remove(join(this.root, "leases", hex), { recursive: true }).catch(() => {});
  }

  #refPath(reference: string): string {
    return join(this.root, "refs", createHash("sha256").update(reference).digest("hex"));
  }
}

/** A uid as a file name (uids are UUIDs; anything else is made safe). */
const fileName = (uid: string) => uid.replace(/[^A-Za-z0-9._-]/g, "_");
