/**
 * One pull into the cache: the fetch (resolve at the registry, and unless the digest is cached
 * already, extract and check its disk into a scratch directory) runs where `fetch` says, a child
 * process in the agent; here the cache's books are kept: commit the disk under its entry name,
 * record the reference and who may use it, then evict beyond the cache's size. Whatever fails
 * leaves nothing behind.
 */
import type { Logger } from "../../lib/log.ts";
import { formatImageReference, type ImageReference } from "../oci/reference.ts";
import { repositoryOf } from "./access.ts";
import { evictionOf } from "./eviction.ts";
import type { Fetched, FetchRequest } from "./pull_fetch.ts";
import type { Credentials } from "./pull_secret.ts";
import { entryName, type ImageEntry, type ImageStore } from "./store.ts";

/** Runs a fetch (pull_fetch.ts) in a child process or in this one. */
export type ImageFetcher = (
  request: FetchRequest,
  onPulling: (digest: string) => void,
) => Promise<Fetched>;

/** The fetch run in this process, its code loaded at the first pull. */
export function inProcessFetcher(log: Logger, now: () => number = Date.now): ImageFetcher {
  return async (request, onPulling) =>
    (await import("./pull_fetch.ts")).fetchImage(request, onPulling, log, now);
}

export interface PullRun {
  store: ImageStore;
  fetch: ImageFetcher;
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
  const { store, log, reference } = run;
  const name = formatImageReference(reference);
  let started = run.now();
  const dir = await store.scratch();
  try {
    const fetched = await run.fetch({
      image: name,
      ...(run.path ? { path: run.path } : {}),
      ...(run.credentials ? { credentials: Object.fromEntries(run.credentials) } : {}),
      insecure: [...run.insecure],
      maxBytes: run.limitBytes,
      storeRoot: store.root,
      scratchDir: dir,
    }, (digest) => {
      started = run.now();
      run.onEvent?.("Normal", "Pulling", `Pulling image "${run.image}"`);
      log.info("Pulling image", { image: name, digest });
    });
    const entry = entryName(fetched.digest, run.path);
    if (fetched.cached) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      const known = await store.get(entry);
      if (!known) throw new Error(`image ${fetched.digest} left the cache during the pull`);
      await store.remember(name, fetched.digest);
      await store.authorize(known, repositoryOf(reference), run.who);
      return { ...known, meta: await store.touch(known) };
    }
    const at = new Date(run.now()).toISOString();
    const pulled = await store.commit(dir, entry, {
      image: name,
      digest: fetched.digest,
      format: fetched.format,
      virtualSizeBytes: fetched.virtualSizeBytes,
      bytes: fetched.bytes,
      pulledAt: at,
      lastUsedAt: at,
      authorized: { [repositoryOf(reference)]: [run.who] },
    });
    await store.remember(name, fetched.digest);
    const seconds = ((run.now() - started) / 1000).toFixed(1);
    run.onEvent?.(
      "Normal",
      "Pulled",
      `Successfully pulled image "${run.image}" in ${seconds}s. Image size: ${fetched.bytes} bytes.`,
    );
    log.info("Pulled image", {
      image: name,
      digest: fetched.digest,
      bytes: fetched.bytes,
      seconds,
    });
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
