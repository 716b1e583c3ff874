/**
 * A registry source into `.import/disk.img.part`: the disk of a containerDisk image (the single
 * file under /disk/) pulled with agent/oci into the scratch area, its blobs checked against their
 * digests, then told raw or qcow2 by its magic bytes: a raw disk is renamed, a qcow2 one checked
 * (no backing file) and converted, as an http source's image is.
 */
import {
  type ImageReference,
  INSECURE_REGISTRIES_SETTING,
  parseRegistryUrl,
} from "../../api/mod.ts";
import { extractDiskFile, OciError, RegistryClient } from "../oci/mod.ts";
import {
  COMPRESSION_MAGIC_LENGTH,
  compressionOf,
  FORMAT_MAGIC_LENGTH,
  formatOf,
  refusedFormatOf,
} from "./detect.ts";
import { retryable, terminal } from "./errors.ts";
import { DEFAULT_IDLE_TIMEOUT_MS } from "./http_body.ts";
import { qcow2DownloadLimit } from "./http_import.ts";
import { qcow2ToRaw, readHead } from "./qcow2.ts";
import { redactUrl } from "./redact.ts";
import type { ImportPaths } from "./scratch.ts";
import { ImportError, type ImportRequest, type ImportResult, type ImportSource } from "./types.ts";

export type RegistrySource = Extract<ImportSource, { kind: "registry" }>;

/** The image the source names; a URL that is not `docker://<image>` is terminal. */
export function imageOfRegistrySource(source: RegistrySource): ImageReference {
  const parsed = parseRegistryUrl(source.url);
  if ("problem" in parsed) {
    throw terminal("InvalidURL", `Cannot import ${redactUrl(source.url)}: ${parsed.problem}`);
  }
  return parsed.image;
}

export async function importRegistry(
  source: RegistrySource,
  req: ImportRequest,
  paths: ImportPaths,
): Promise<ImportResult> {
  const { signal, capacityBytes } = req;
  const image = imageOfRegistrySource(source);
  const where = `Cannot import ${redactUrl(source.url)}`;
  const insecure = new Set(source.insecureRegistries.map((host) => host.toLowerCase()));
  const client = new RegistryClient({
    // The Secret is for the image's registry: nothing goes to any other host.
    credentials: (registry) => registry === image.registry ? source.credentials : undefined,
    insecure: (registry) => insecure.has(registry.toLowerCase()),
    caCerts: source.caCerts,
    signal,
    idleTimeoutMs: req.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  });
  let disk: { bytes: number; sourcePath: string };
  let transferredBytes: number;
  try {
    const resolved = await client.resolve(image, signal);
    transferredBytes = resolved.layers.reduce((sum, layer) => sum + layer.size, 0);
    disk = await extractDiskFile(client, resolved, {
      target: paths.pulled,
      // A qcow2 may be a little larger than its virtual size; a raw disk is checked below.
      maxBytes: qcow2DownloadLimit(capacityBytes),
      signal,
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    });
  } catch (error) {
    throw error instanceof OciError ? importErrorOf(error, capacityBytes) : error;
  } finally {
    client.close();
  }

  const head = await readHead(
    paths.pulled,
    Math.max(FORMAT_MAGIC_LENGTH, COMPRESSION_MAGIC_LENGTH),
  );
  const inImage = `the disk ${disk.sourcePath} of the image`;
  const compression = compressionOf(head);
  const refused = compression === "none" ? refusedFormatOf(head) : `${compression}-compressed`;
  if (refused) {
    // As KubeVirt's containerDisks: the disk is used as it is, never unpacked.
    throw terminal(
      "UnsupportedFormat",
      `${where}: ${inImage} is ${refused}; a containerDisk holds a raw or qcow2 disk`,
    );
  }
  const format = formatOf(head);
  if (format === "qcow2") {
    const virtualSizeBytes = await qcow2ToRaw(
      paths.pulled,
      paths.partial,
      capacityBytes,
      signal,
      where,
    );
    return { format, compression, transferredBytes, virtualSizeBytes };
  }
  if (disk.bytes > capacityBytes) {
    throw terminal(
      "ImageTooLarge",
      `${where}: ${inImage} has ${disk.bytes} bytes, more than the volume's capacity of ` +
        `${capacityBytes} bytes`,
    );
  }
  await Deno.rename(paths.pulled, paths.partial);
  return { format, compression, transferredBytes, virtualSizeBytes: disk.bytes };
}

/** The ImportError of a failed pull: the client's sorting, with what users can change named. */
export function importErrorOf(error: OciError, capacityBytes: number): ImportError {
  switch (error.reason) {
    case "TooLarge":
      return terminal(
        "ImageTooLarge",
        `${error.message} (the volume's capacity is ${capacityBytes} bytes)`,
      );
    case "InsecureRegistry":
      // The cluster's list, not the DataVolume, decides: tried again, it may be listed by then.
      return retryable("InsecureRegistry", `${error.message} (${INSECURE_REGISTRIES_SETTING})`);
    default:
      return new ImportError(error.message, error.retryable, error.reason);
  }
}
