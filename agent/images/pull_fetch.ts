/**
 * The heavy half of a pull, run in a child process of the agent: resolve the reference at the
 * registry (which proves the credentials good for the image), and unless the digest is cached
 * already, extract its disk into the scratch directory the agent made and check it. The agent
 * keeps the cache's books (pull_run.ts); this only reads them.
 */
import { join } from "node:path";
import { INSECURE_REGISTRIES_SETTING } from "../../api/mod.ts";
import type { Logger } from "../../lib/log.ts";
import {
  extractDiskFile,
  formatImageReference,
  OciError,
  parseImageReference,
  RegistryClient,
} from "../oci/mod.ts";
import { checkDiskImage, DiskImageError } from "./disk_check.ts";
import type { Credentials } from "./pull_secret.ts";
import { entryName, ImageStore } from "./store.ts";

/** What one fetch is asked to do; JSON, so that it can cross to a child process. */
export interface FetchRequest {
  image: string;
  /** The disk file's path in the image (containerDisk `path`). */
  path?: string;
  /** Credentials by registry host. */
  credentials?: Record<string, Credentials>;
  /** The registries listed as insecure now. */
  insecure: string[];
  /** More bytes than this fail the pull (the cache's limit). */
  maxBytes: number;
  /** The cache's root, read to tell whether the digest is there already. */
  storeRoot: string;
  /** An empty directory; a fresh disk is left at `<scratchDir>/disk`. */
  scratchDir: string;
}

/** The digest the reference resolved to, and the disk's facts when it was fetched. */
export type Fetched =
  | { digest: string; cached: true }
  | {
    digest: string;
    cached: false;
    bytes: number;
    format: "raw" | "qcow2";
    virtualSizeBytes: number;
  };

/** Fetches `req.image`; `onPulling` is called once the digest is known not to be cached. */
export async function fetchImage(
  req: FetchRequest,
  onPulling: (digest: string) => void,
  log: Logger,
  now: () => number = Date.now,
): Promise<Fetched> {
  const insecure = new Set(req.insecure);
  const client = new RegistryClient({
    credentials: (registry) => req.credentials?.[registry],
    insecure: (registry) => insecure.has(registry.toLowerCase()),
  });
  try {
    return await fetchWith(client, req, onPulling, log, now);
  } catch (error) {
    if (error instanceof OciError && error.reason === "InsecureRegistry") {
      // Name the setting itself, so that the administrator knows where to list it.
      throw new Error(`${error.message} (${INSECURE_REGISTRIES_SETTING})`);
    }
    throw error;
  } finally {
    client.close();
  }
}

async function fetchWith(
  client: RegistryClient,
  req: FetchRequest,
  onPulling: (digest: string) => void,
  log: Logger,
  now: () => number,
): Promise<Fetched> {
  const reference = parseImageReference(req.image);
  const name = formatImageReference(reference);
  const image = await client.resolve(reference);
  if (await new ImageStore(req.storeRoot).get(entryName(image.digest, req.path))) {
    return { digest: image.digest, cached: true };
  }
  onPulling(image.digest);
  let logged = now();
  const disk = join(req.scratchDir, "disk");
  const { bytes } = await extractDiskFile(client, image, {
    target: disk,
    maxBytes: req.maxBytes,
    ...(req.path ? { path: req.path } : {}),
    onProgress: ({ bytes, totalBytes }) => {
      if (now() - logged < 5_000) return;
      logged = now();
      log.info("Pulling image", { image: name, bytes, totalBytes });
    },
  });
  const checked = await checkDiskImage(disk, new AbortController().signal).catch((error) => {
    if (error instanceof DiskImageError) {
      throw new Error(`not a disk image this agent runs: ${error.message}`);
    }
    throw error;
  });
  return { digest: image.digest, cached: false, bytes, ...checked };
}
