/**
 * One pull into the cache: resolve the reference at the registry (which proves the credentials
 * good for the image), and unless the digest is cached already, extract its disk into a scratch
 * directory, check it, and commit it under its entry name; then evict beyond the cache's size.
 * Whatever fails leaves nothing behind.
 */
import { join } from "node:path";
import { INSECURE_REGISTRIES_SETTING } from "../../api/mod.ts";
import type { Logger } from "../../lib/log.ts";
import {
  extractDiskFile,
  formatImageReference,
  type ImageReference,
  OciError,
  RegistryClient,
} from "../oci/mod.ts";
import { repositoryOf } from "./access.ts";
import { checkDiskImage, DiskImageError } from "./disk_check.ts";
import { evictionOf } from "./eviction.ts";
import type { Credentials } from "./pull_secret.ts";
import { entryName, type ImageEntry, type ImageStore } from "./store.ts";

export interface PullRun {
  store: ImageStore;
  limitBytes: number;
  /** The registries listed as insecure now. */
  insecure: Set<string>;
  log: Logger;
  now: () => number;
  /** The image as the VMI names it, for Events. */
  image: string;
  reference: ImageReference;
  path: string | undefined;
  credentials: ReadonlyMap<string, Credentials> | undefined;
  /** credentialKeyOf the credentials. */
  who: string;
  /** kubelet's Pulling and Pulled. */
  onEvent?: (type: "Normal" | "Warning", reason: string, message: string) => void;
}

/** Pulls `run.reference` into the cache (or finds it there); answers its entry. */
export async function runPull(run: PullRun): Promise<ImageEntry> {
  const client = new RegistryClient({
    credentials: (registry) => run.credentials?.get(registry),
    insecure: (registry) => run.insecure.has(registry.toLowerCase()),
  });
  try {
    return await pullWith(client, run);
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

async function pullWith(client: RegistryClient, run: PullRun): Promise<ImageEntry> {
  const { store, log, reference } = run;
  const name = formatImageReference(reference);
  const image = await client.resolve(reference);
  const entry = entryName(image.digest, run.path);
  const known = await store.get(entry);
  if (known) {
    await store.remember(name, image.digest);
    await store.authorize(known, repositoryOf(reference), run.who);
    return { ...known, meta: await store.touch(known) };
  }
  const started = run.now();
  run.onEvent?.("Normal", "Pulling", `Pulling image "${run.image}"`);
  log.info("Pulling image", { image: name, digest: image.digest });
  const dir = await store.scratch();
  try {
    let logged = started;
    const { bytes } = await extractDiskFile(client, image, {
      target: join(dir, "disk"),
      maxBytes: run.limitBytes,
      ...(run.path ? { path: run.path } : {}),
      onProgress: ({ bytes, totalBytes }) => {
        if (run.now() - logged < 5_000) return;
        logged = run.now();
        log.info("Pulling image", { image: name, bytes, totalBytes });
      },
    });
    const checked = await checkDiskImage(join(dir, "disk"), new AbortController().signal)
      .catch((error) => {
        if (error instanceof DiskImageError) {
          throw new Error(`not a disk image this agent runs: ${error.message}`);
        }
        throw error;
      });
    const at = new Date(run.now()).toISOString();
    const pulled = await store.commit(dir, entry, {
      image: name,
      digest: image.digest,
      format: checked.format,
      virtualSizeBytes: checked.virtualSizeBytes,
      bytes,
      pulledAt: at,
      lastUsedAt: at,
      authorized: { [repositoryOf(reference)]: [run.who] },
    });
    await store.remember(name, image.digest);
    const seconds = ((run.now() - started) / 1000).toFixed(1);
    run.onEvent?.(
      "Normal",
      "Pulled",
      `Successfully pulled image "${run.image}" in ${seconds}s. Image size: ${bytes} bytes.`,
    );
    log.info("Pulled image", { image: name, digest: image.digest, bytes, seconds });
    await evict(run, entry);
    return pulled;
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/**
 * Brings the cache back under its limit, oldest unused images first; never the image just
 * pulled, which no VMI has leased yet but one is about to run on.
 */
async function evict(run: PullRun, keep: string): Promise<void> {
  const candidates = (await run.store.list()).filter((image) => image.name !== keep);
  const kept = (await run.store.get(keep))?.meta.bytes ?? 0;
  for (const entry of evictionOf(candidates, run.limitBytes - kept)) {
    await run.store.remove(entry);
    run.log.info("Image evicted from the cache", { entry });
  }
}
