/**
 * One-layer images as OCI image layout directories (`oci-layout`, `index.json`, `blobs/sha256/`),
 * which `skopeo copy oci:DIR:TAG ...` reads and `pushImage` publishes. Besides the OCI manifest
 * that index.json names, the blobs hold the Docker schema2 manifest, the OCI index and the
 * Docker manifest list of the same image.
 */
import { basename, join } from "node:path";
import { writeLayer } from "./layer.ts";
import {
  type ImageDocuments,
  imageDocumentsOf,
  layoutIndexOf,
  LINUX_AMD64,
  type Platform,
} from "./manifests.ts";
import { REF_NAME_ANNOTATION } from "./media_types.ts";
import { containerDiskEntries, type TarEntry } from "./tar.ts";

/** An image in a layout directory. */
export interface ImageLayout {
  dir: string;
  /** The name index.json gives the OCI manifest: `oci:<dir>:<tag>`. */
  tag: string;
  layer: { digest: string; size: number; diffId: string };
  documents: ImageDocuments;
}

export interface LayoutOptions {
  /** Created if missing; an existing layout there is overwritten. */
  dir: string;
  entries: TarEntry[];
  /** Default `latest`. */
  tag?: string;
  /** Default linux/amd64. */
  platform?: Platform;
}

export interface ContainerDiskOptions {
  /** The raw or qcow2 disk file to carry. */
  disk: string;
  dir: string;
  /** The file's name under `disk/`; default the disk file's own name. */
  fileName?: string;
  tag?: string;
  platform?: Platform;
}

/** Path of a blob in a layout directory. */
export function blobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(":");
  return join(dir, "blobs", algorithm!, hex!);
}

/** Write a containerDisk image of one disk file: `disk/<file>`, 107:107, mode 0444. */
export async function writeContainerDiskLayout(
  options: ContainerDiskOptions,
): Promise<ImageLayout> {
  const size = (await Deno.stat(options.disk)).size;
  const fileName = options.fileName ?? basename(options.disk);
  return await writeImageLayout({
    dir: options.dir,
    entries: containerDiskEntries(fileName, size, { path: options.disk }),
    tag: options.tag,
    platform: options.platform,
  });
}

/** Write a one-layer image of arbitrary tar entries (for broken images too) as a layout. */
export async function writeImageLayout(options: LayoutOptions): Promise<ImageLayout> {
  const { dir } = options;
  const tag = options.tag ?? "latest";
  await Deno.mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  const partial = join(dir, "blobs", "sha256", `.layer-${crypto.randomUUID()}`);
  let layer;
  try {
    layer = await writeLayer(options.entries, partial);
    await Deno.rename(partial, blobPath(dir, layer.digest));
  } finally {
    await Deno.remove(partial).catch(() => {});
  }
  const documents = imageDocumentsOf(layer, options.platform ?? LINUX_AMD64);
  for (const blob of Object.values(documents)) {
    await Deno.writeFile(blobPath(dir, blob.descriptor.digest), blob.bytes);
  }
  await Deno.writeTextFile(
    join(dir, "oci-layout"),
    JSON.stringify({ imageLayoutVersion: "1.0.0" }),
  );
  const index = layoutIndexOf(documents.ociManifest.descriptor, tag);
  await Deno.writeTextFile(join(dir, "index.json"), JSON.stringify(index));
  return { dir, tag, layer, documents };
}

/** Read back a layout this module wrote; throws when it is incomplete or not one of ours. */
export async function readImageLayout(dir: string): Promise<ImageLayout> {
  const index = JSON.parse(await Deno.readTextFile(join(dir, "index.json")));
  const entry = index.manifests?.[0];
  const tag = entry?.annotations?.[REF_NAME_ANNOTATION];
  if (!entry?.digest || !tag) throw new Error(`Cannot read image layout ${dir}: no named manifest`);
  const manifest = JSON.parse(await Deno.readTextFile(blobPath(dir, entry.digest)));
  if (!manifest.config?.digest || manifest.layers?.length !== 1) {
    throw new Error(`Cannot read image layout ${dir}: not a one-layer image manifest`);
  }
  const config = JSON.parse(await Deno.readTextFile(blobPath(dir, manifest.config.digest)));
  const { digest, size } = manifest.layers[0];
  const layer = { digest, size, diffId: config.rootfs?.diff_ids?.[0] };
  const documents = imageDocumentsOf(layer, { architecture: config.architecture, os: config.os });
  if (documents.ociManifest.descriptor.digest !== entry.digest) {
    throw new Error(`Cannot read image layout ${dir}: its manifest was not written by denovirt`);
  }
  const blobs = [layer.digest, ...Object.values(documents).map((b) => b.descriptor.digest)];
  for (const blob of blobs) await Deno.stat(blobPath(dir, blob));
  return { dir, tag, layer, documents };
}

/**
 * The containerDisk layout of `disk` at `dir`, written once: a finished layout is reused (a
 * layout is complete once it is renamed into place), so callers can keep it in a cache.
 */
export async function ensureContainerDiskLayout(
  options: ContainerDiskOptions,
): Promise<ImageLayout> {
  try {
    return await readImageLayout(options.dir);
  } catch {
    // Not there yet (or half there from a crash): build it aside and move it in whole.
  }
  const temp = `${options.dir}.partial-${crypto.randomUUID()}`;
  try {
    await writeContainerDiskLayout({ ...options, dir: temp });
    await Deno.remove(options.dir, { recursive: true }).catch(() => {});
    // Another process may have moved its own copy in first: the same image, as good as ours.
    await Deno.rename(temp, options.dir).catch(() => {});
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
  return await readImageLayout(options.dir);
}
