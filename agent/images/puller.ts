/**
 * ensure(): a containerDisk image in the node's cache, pulled when its policy asks: Always
 * resolves the reference at the registry (and pulls only a digest it does not have),
 * IfNotPresent uses what an earlier pull of the reference left, Never only that. One pull per
 * image at a time; VMIs asking for it meanwhile share it. A failed pull leaves nothing behind and
 * holds further pulls of the reference back with kubelet's backoff (ImagePullBackOff).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { INSECURE_REGISTRIES_SETTING } from "../../api/mod.ts";
import { backoffDelay } from "../../lib/backoff.ts";
import { messageOf } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import {
  extractDiskFile,
  formatImageReference,
  type ImageReference,
  OciError,
  parseImageReference,
  RegistryClient,
} from "../oci/mod.ts";
import { checkDiskImage, DiskImageError } from "./disk_check.ts";
import { evictionOf } from "./eviction.ts";
import { PULL_BACKOFF, PullError } from "./pull_error.ts";
import type { Credentials } from "./pull_secret.ts";
import { entryName, type ImageEntry, type ImageStore } from "./store.ts";

/** What one VMI's volume asks of the cache. */
export interface PullRequest {
  image: string;
  policy: "Always" | "IfNotPresent" | "Never";
  /** The disk file's path in the image (containerDisk `path`); default the one under /disk/. */
  path?: string;
  /** Credentials of the imagePullSecret, by registry host. */
  credentials?: ReadonlyMap<string, Credentials>;
  /** Who asks (the VMI's uid): as a kubelet's, backoff after a failure is per requester and image. */
  requester?: string;
  /** Told when a pull starts, ends and fails (kubelet's Pulling, Pulled, Failed, BackOff). */
  onEvent?: (type: "Normal" | "Warning", reason: string, message: string) => void;
  signal?: AbortSignal;
}

export interface PullerOptions {
  store: ImageStore;
  /** Bytes the cache may hold; least recently used images no VMI runs on go beyond it. */
  limitBytes: number;
  /** The registries allowed without TLS verification, as the cluster lists them now. */
  insecure: () => Promise<Set<string>>;
  log: Logger;
  now?: () => number;
}

export class ImagePuller {
  #opts: PullerOptions;
  #now: () => number;
  #inFlight = new Map<string, Promise<ImageEntry>>();
  #failures = new Map<
    string,
    { count: number; until: number; message: string; requester: string | undefined }
  >();

  constructor(opts: PullerOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** The cached image the request names, pulling it when its policy asks. */
  async ensure(request: PullRequest): Promise<ImageEntry> {
    const { store } = this.#opts;
    const reference = parseImageReference(request.image);
    const name = formatImageReference(reference);
    const who = credentialKeyOf(reference.registry, request.credentials);
    if (request.policy !== "Always") {
      const digest = reference.digest ?? await store.digestOf(name);
      const cached = digest ? await store.get(entryName(digest, request.path)) : undefined;
      // An image pulled with credentials is not for everyone on the node: a VMI whose own
      // credentials the registry has not accepted for it goes to the registry first.
      if (cached && mayUse(cached, repositoryOf(reference), who)) {
        await store.touch(cached);
        return cached;
      }
      if (request.policy === "Never") {
        throw new PullError(
          cached
            ? `Container image "${request.image}" was pulled with other credentials, and pull ` +
              "policy Never allows no check of this VMI's at the registry"
            : `Container image "${request.image}" is not present with pull policy of Never`,
          "ErrImageNeverPull",
        );
      }
    }
    const key = `${name}|${request.path ?? ""}|${who}`;
    const backoffKey = `${request.requester ?? ""}|${key}`;
    const failed = this.#failures.get(backoffKey);
    if (failed && this.#now() < failed.until) {
      request.onEvent?.("Normal", "BackOff", `Back-off pulling image "${request.image}"`);
      throw new PullError(
        `Back-off pulling image "${request.image}": ${failed.message}`,
        "ImagePullBackOff",
      );
    }
    let pull = this.#inFlight.get(key);
    if (!pull) {
      pull = this.#pull(reference, request, who).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pull);
    }
    try {
      const entry = await pull;
      this.#failures.delete(backoffKey);
      return entry;
    } catch (error) {
      const message = messageOf(error);
      const count = (this.#failures.get(backoffKey)?.count ?? 0) + 1;
      const until = this.#now() + backoffDelay(PULL_BACKOFF, count - 1);
      this.#failures.set(backoffKey, { count, until, message, requester: request.requester });
      request.onEvent?.("Warning", "Failed", `Failed to pull image "${request.image}": ${message}`);
      throw new PullError(`Failed to pull image "${request.image}": ${message}`, "ErrImagePull");
    }
  }

  /** Forgets the failures of `requester` (its VMI is gone). */
  forget(requester: string): void {
    for (const [key, failure] of this.#failures) {
      if (failure.requester === requester) this.#failures.delete(key);
    }
  }

  async #pull(reference: ImageReference, request: PullRequest, who: string): Promise<ImageEntry> {
    const insecure = await this.#opts.insecure();
    const client = new RegistryClient({
      credentials: (registry) => request.credentials?.get(registry),
      insecure: (registry) => insecure.has(registry.toLowerCase()),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    try {
      return await this.#pullWith(client, reference, request, who);
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

  async #pullWith(
    client: RegistryClient,
    reference: ImageReference,
    request: PullRequest,
    who: string,
  ): Promise<ImageEntry> {
    const { store, log } = this.#opts;
    const name = formatImageReference(reference);
    // The registry answering the manifest is what proves these credentials good for the image.
    const image = await client.resolve(reference, request.signal);
    const entry = entryName(image.digest, request.path);
    const known = await store.get(entry);
    if (known) {
      await store.remember(name, image.digest);
      await store.authorize(known, repositoryOf(reference), who);
      return { ...known, meta: await store.touch(known) };
    }
    const started = this.#now();
    request.onEvent?.("Normal", "Pulling", `Pulling image "${request.image}"`);
    log.info("Pulling image", { image: name, digest: image.digest });
    const dir = await store.scratch();
    try {
      let logged = started;
      const { bytes } = await extractDiskFile(client, image, {
        target: join(dir, "disk"),
        maxBytes: this.#opts.limitBytes,
        ...(request.path ? { path: request.path } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
        onProgress: ({ bytes, totalBytes }) => {
          if (this.#now() - logged < 5_000) return;
          logged = this.#now();
          log.info("Pulling image", { image: name, bytes, totalBytes });
        },
      });
      const checked = await checkDiskImage(join(dir, "disk"), request.signal ?? neverAborted())
        .catch((error) => {
          if (error instanceof DiskImageError) {
            throw new Error(`not a disk image this agent runs: ${error.message}`);
          }
          throw error;
        });
      const at = new Date(this.#now()).toISOString();
      const pulled = await store.commit(dir, entry, {
        image: name,
        digest: image.digest,
        format: checked.format,
        virtualSizeBytes: checked.virtualSizeBytes,
        bytes,
        pulledAt: at,
        lastUsedAt: at,
        authorized: { [repositoryOf(reference)]: [who] },
      });
      await store.remember(name, image.digest);
      const seconds = ((this.#now() - started) / 1000).toFixed(1);
      request.onEvent?.(
        "Normal",
        "Pulled",
        `Successfully pulled image "${request.image}" in ${seconds}s. Image size: ${bytes} bytes.`,
      );
      log.info("Pulled image", { image: name, digest: image.digest, bytes, seconds });
      await this.#evict();
      return pulled;
    } catch (error) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  /** Brings the cache back under its limit, oldest unused images first. */
  async #evict(): Promise<void> {
    const { store, log, limitBytes } = this.#opts;
    for (const entry of evictionOf(await store.list(), limitBytes)) {
      await store.remove(entry);
      log.info("Image evicted from the cache", { entry });
    }
  }
}

function neverAborted(): AbortSignal {
  return new AbortController().signal;
}

/**
 * Who asks, as far as the registry can tell: `anonymous`, or a hash of the credentials given
 * for the image's registry (never the credentials themselves: this is written to disk).
 */
export function credentialKeyOf(
  registry: string,
  credentials: ReadonlyMap<string, Credentials> | undefined,
): string {
  const given = credentials?.get(registry);
  if (!given) return ANONYMOUS;
  const hash = createHash("sha256")
    .update(`${registry}\0${given.username}\0${given.password}`)
    .digest("hex");
  return `sha256:${hash}`;
}

const ANONYMOUS = "anonymous";

/** Whether `who` may run on a cached image by a name in `repository` without asking. */
function mayUse(entry: ImageEntry, repository: string, who: string): boolean {
  const authorized = entry.meta.authorized?.[repository] ?? [];
  return authorized.includes(ANONYMOUS) || authorized.includes(who);
}

/** `registry/repository`: what the registry's answers about access are about. */
const repositoryOf = (reference: ImageReference) => `${reference.registry}/${reference.repository}`;
