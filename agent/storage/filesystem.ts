/**
 * The host side of local volumes: the size of the filesystem, volume directories, and the empty
 * raw disk.img of a plain claim. Paths are checked against the volumes directory first.
 */
import { statfsSync } from "node:fs";
import { run } from "../../lib/exec.ts";
import { assertInside } from "../volumes/paths.ts";
import { isStrictlyUnder } from "./types.ts";

/** The size in bytes of the filesystem holding `dir`. */
export async function filesystemBytes(dir: string): Promise<bigint> {
  try {
    const stats = statfsSync(dir, { bigint: true });
    return stats.blocks * stats.bsize;
  } catch (error) {
    // statfs needs `--allow-sys=statfs`; without it, POSIX df tells the same (in KiB).
    if (
      !(error instanceof Deno.errors.NotCapable) && !(error instanceof Deno.errors.PermissionDenied)
    ) {
      throw error;
    }
  }
  const result = await run("sh", ["-c", 'exec df -Pk -- "$1"', "sh", dir]);
  const kib = result.stdout.trim().split("\n")[1]?.trim().split(/\s+/)[1];
  if (result.code !== 0 || !kib || !/^\d+$/.test(kib)) {
    throw new Error(
      `Cannot measure the filesystem of ${dir}: ${result.stderr.trim() || "df gave no size"}; ` +
        `set --local-storage-capacity`,
    );
  }
  return BigInt(kib) * 1024n;
}

/** Makes a volume's directory (and the volumes directory); refuses any other path. */
export async function ensureVolumeDir(dir: string, volumesDir: string): Promise<void> {
  if (!isStrictlyUnder(volumesDir, dir)) {
    throw new Error(`Cannot make volume directory ${dir}: it is not under ${volumesDir}`);
  }
  await Deno.mkdir(volumesDir, { recursive: true });
  await Deno.mkdir(await assertInside(volumesDir, dir), { recursive: true });
}

/** Removes a volume's directory and everything in it; refuses any path not strictly below. */
export async function removeVolumeDir(dir: string, volumesDir: string): Promise<void> {
  if (!isStrictlyUnder(volumesDir, dir)) {
    throw new Error(`Cannot remove volume directory ${dir}: it is not under ${volumesDir}`);
  }
  const info = await Deno.lstat(dir).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  });
  if (!info) return;
  // A link is removed, never followed: it may lead to another volume or out of the directory.
  if (info.isSymlink) return await Deno.remove(dir);
  await Deno.remove(await assertInside(volumesDir, dir), { recursive: true });
}

const creating = new Map<string, Promise<void>>();

/** Makes `<dir>/disk.img` a sparse raw image of `bytes` unless it exists (temp file + rename). */
export function ensureEmptyDiskImage(
  dir: string,
  volumesDir: string,
  bytes: bigint,
): Promise<void> {
  const path = `${dir}/disk.img`;
  // Two VMIs may resolve one claim at once: one creates, both wait for it.
  let pending = creating.get(path);
  if (!pending) {
    pending = createDiskImage(dir, volumesDir, path, bytes).finally(() => creating.delete(path));
    creating.set(path, pending);
  }
  return pending;
}

async function createDiskImage(
  dir: string,
  volumesDir: string,
  path: string,
  bytes: bigint,
): Promise<void> {
  if (bytes <= 0n) throw new Error(`Cannot make ${path}: the volume has no capacity`);
  await ensureVolumeDir(dir, volumesDir);
  const target = await assertInside(volumesDir, path);
  if (await Deno.lstat(target).then(() => true, () => false)) return;
  const temp = `${target}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const file = await Deno.open(temp, { createNew: true, write: true, mode: 0o660 });
    try {
      await file.truncate(Number(bytes));
    } finally {
      file.close();
    }
    await Deno.rename(temp, target);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
