/** hostDisk: a raw image file on the node, inside one of the directories the agent allows. */
import { dirname, isAbsolute, normalize, relative } from "node:path";
import type { Volume } from "../../api/mod.ts";
import { TerminalError } from "../../lib/errors.ts";
import { type PreparedDisk, volumeLabel } from "./context.ts";
import { capacityBytes } from "./empty_disk.ts";
import { assertInside } from "./paths.ts";

type HostDiskVolume = Volume & { hostDisk: NonNullable<Volume["hostDisk"]> };

/** Checks (type Disk) or creates as a sparse file (DiskOrCreate) the volume's host file. */
export async function prepareHostDisk(
  volume: HostDiskVolume,
  roots: string[],
): Promise<PreparedDisk> {
  const label = volumeLabel(volume.name);
  const { path, type, capacity } = volume.hostDisk;
  if (!isAbsolute(path)) {
    throw new TerminalError(`${label}: hostDisk.path ${path} must be absolute`);
  }
  const root = roots.find((r) => isUnder(r, path));
  if (!root) {
    throw new TerminalError(
      `${label}: hostDisk.path ${path} is outside the directories this node allows ` +
        `(${roots.join(", ") || "none configured"})`,
    );
  }
  let real: string;
  try {
    real = await assertInside(root, path);
  } catch (error) {
    throw new TerminalError(`${label}: hostDisk.path: ${(error as Error).message}`);
  }
  const info = await Deno.stat(real).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  });
  if (!info) {
    if (type !== "DiskOrCreate") {
      throw new TerminalError(`${label}: hostDisk.path ${path} does not exist`);
    }
    if (capacity === undefined) {
      throw new TerminalError(`${label}: hostDisk.capacity must be set to create ${path}`);
    }
    await createSparse(real, capacityBytes(capacity, `${label}: hostDisk.capacity`));
  } else if (!info.isFile) {
    throw new TerminalError(`${label}: hostDisk.path ${path} is not a regular file`);
  }
  // hostDisk images are raw, as in KubeVirt; probing the format of a guest-written file is unsafe.
  return { name: volume.name, path: real, format: "raw", device: "file" };
}

async function createSparse(path: string, bytes: bigint) {
  await Deno.mkdir(dirname(path), { recursive: true });
  // createNew: never truncate a file that appeared since the check.
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  try {
    await file.truncate(Number(bytes));
  } finally {
    file.close();
  }
}

function isUnder(root: string, path: string): boolean {
  const rel = relative(normalize(root), normalize(path));
  return rel !== "" && rel !== ".." && !rel.startsWith("../") && !isAbsolute(rel);
}
