/**
 * The files of an import in the volume's directory: everything is built in `.import/` and only a
 * finished, synced image is renamed to `disk.img`, so `disk.img` is never half-written.
 */
import { join } from "node:path";

export interface ImportPaths {
  /** `<targetDir>/disk.img`: the finished image. */
  image: string;
  /** `<targetDir>/.import/`: scratch space, removed when the import ends. */
  scratch: string;
  /** The raw image being built, renamed to `image` at the end. */
  partial: string;
  /** A downloaded qcow2 before its conversion. */
  qcow2: string;
  /** The disk pulled from a containerDisk image, before it becomes the partial image. */
  pulled: string;
}

export function importPathsOf(targetDir: string): ImportPaths {
  const scratch = join(targetDir, ".import");
  return {
    image: join(targetDir, "disk.img"),
    scratch,
    partial: join(scratch, "disk.img.part"),
    qcow2: join(scratch, "image.qcow2"),
    pulled: join(scratch, "pulled.img"),
  };
}

/** Starts over: no `disk.img`, an empty `.import/`. */
export async function resetTarget(paths: ImportPaths): Promise<void> {
  await removeIfExists(paths.image);
  await removeScratch(paths);
  await Deno.mkdir(paths.scratch, { recursive: true, mode: 0o700 });
}

/** Removes `.import/` and what it holds. */
export async function removeScratch(paths: ImportPaths): Promise<void> {
  await removeIfExists(paths.scratch, true);
}

/**
 * Resizes the partial image to `capacityBytes` (holes, no data written), syncs it, and renames it
 * to `disk.img` unless the signal aborted first.
 */
export async function publish(
  paths: ImportPaths,
  capacityBytes: number,
  signal: AbortSignal,
): Promise<void> {
  // Whoever wrote it (this process or qemu-img), the image is the node's alone, like hostDisks.
  await Deno.chmod(paths.partial, 0o600);
  const file = await Deno.open(paths.partial, { write: true });
  try {
    await file.truncate(capacityBytes);
    await file.sync();
  } finally {
    file.close();
  }
  signal.throwIfAborted();
  await Deno.rename(paths.partial, paths.image);
  // Done: the rest only tidies up, and must not turn a finished import into a failed one.
  await syncDirectory(join(paths.image, "..")).catch(() => {});
  await removeScratch(paths).catch(() => {});
}

async function syncDirectory(path: string) {
  const dir = await Deno.open(path, { read: true });
  try {
    await dir.sync();
  } finally {
    dir.close();
  }
}

async function removeIfExists(path: string, recursive = false) {
  try {
    await Deno.remove(path, { recursive });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
