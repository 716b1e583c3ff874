/**
 * ensure(): a containerDisk image in the node's cache, pulled when its policy asks: Always
 * resolves the reference at the registry (and pulls only a digest it does not have),
 * IfNotPresent uses what an earlier pull of the reference left, Never only that; an image pulled
 * with credentials serves only requesters whose credentials the registry accepted (access.ts).
 * One pull per image and credentials at a time; requesters asking meanwhile share it. A failed
 * pull leaves nothing behind and holds each requester back with kubelet's backoff: the first
 * answer after it is ErrImagePull, the next ones ImagePullBackOff until the backoff ends.
 *
 * A requester that gives `onSettled` never waits for a pull: it gets PullInProgress at once and
 * is told when the pull ended, so that a pull of gigabytes holds no worker.
 */
import { backoffDelay } from "../../lib/backoff.ts";
import { messageOf } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { formatImageReference, parseImageReference } from "../oci/reference.ts";
import { credentialKeyOf, mayUse, repositoryOf } from "./access.ts";
import { PULL_BACKOFF, PullError, PullInProgress } from "./pull_error.ts";
import { type ImageFetcher, inProcessFetcher, runPull } from "./pull_run.ts";
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
  /** Do not wait for a pull: throw PullInProgress, and call this once the pull has ended. */
  onSettled?: () => void;
}

export interface PullerOptions {
  store: ImageStore;
  /** Bytes the cache may hold; least recently used images no VMI runs on go beyond it. */
  limitBytes: number;
  /** The registries allowed without TLS verification, as the cluster lists them now. */
  insecure: () => Promise<Set<string>>;
  log: Logger;
  now?: () => number;
  /** Where the registry's bytes are fetched: default in this process (the agent: a child). */
  fetch?: ImageFetcher;
}

interface Failure {
  count: number;
  until: number;
  message: string;
  requester: string | undefined;
  /** Whether ErrImagePull was answered once already (from then on: ImagePullBackOff). */
  reported: boolean;
}

interface InFlight {
  /** The entry, or undefined when the pull failed (the failure is recorded per waiter). */
  done: Promise<ImageEntry | undefined>;
  /** Requesters told of the outcome, by backoff key. */
  waiters: Map<string, PullRequest>;
}

export class ImagePuller {
  #opts: PullerOptions;
  #now: () => number;
  #fetch: ImageFetcher;
  #inFlight = new Map<string, InFlight>();
  /** Pulls ended for a requester that did not wait, by backoff key: its next ensure takes it. */
  #results = new Map<string, ImageEntry>();
  #failures = new Map<string, Failure>();

  constructor(opts: PullerOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#fetch = opts.fetch ?? inProcessFetcher(opts.log, this.#now);
  }

  /** The cached image the request names, pulling it when its policy asks. */
  async ensure(request: PullRequest): Promise<ImageEntry> {
    const { store } = this.#opts;
    const reference = parseImageReference(request.image);
    const name = formatImageReference(reference);
    const who = credentialKeyOf(reference.registry, request.credentials);
    const key = `${name}|${request.path ?? ""}|${who}`;
    const backoffKey = `${request.requester ?? ""}|${key}`;
    const result = this.#results.get(backoffKey);
    if (result) {
      this.#results.delete(backoffKey);
      if (await store.get(result.name)) return result;
    }
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
    this.#checkBackoff(backoffKey, request);
    let pull = this.#inFlight.get(key);
    if (!pull) pull = this.#start(key, reference, request, who);
    pull.waiters.set(backoffKey, request);
    if (request.onSettled) {
      throw new PullInProgress(`Pulling image "${request.image}"`);
    }
    const entry = await pull.done;
    if (entry) return entry;
    this.#checkBackoff(backoffKey, request);
    throw new Error(`The pull of "${request.image}" ended without an outcome`);
  }

  /** Forgets the failures and results of `requester` (its VMI is gone). */
  forget(requester: string): void {
    for (const [key, failure] of this.#failures) {
      if (failure.requester === requester) this.#failures.delete(key);
    }
    for (const key of this.#results.keys()) {
      if (key.startsWith(`${requester}|`)) this.#results.delete(key);
    }
  }

  /** Throws the requester's ErrImagePull once after a failed pull, then ImagePullBackOff. */
  #checkBackoff(backoffKey: string, request: PullRequest): void {
    const failed = this.#failures.get(backoffKey);
    if (!failed) return;
    if (!failed.reported) {
      failed.reported = true;
      throw new PullError(
        `Failed to pull image "${request.image}": ${failed.message}`,
        "ErrImagePull",
      );
    }
    if (this.#now() < failed.until) {
      request.onEvent?.("Normal", "BackOff", `Back-off pulling image "${request.image}"`);
      throw new PullError(
        `Back-off pulling image "${request.image}": ${failed.message}`,
        "ImagePullBackOff",
      );
    }
  }

  /** Starts a pull; its outcome goes to every requester waiting on it when it ends. */
  #start(
    key: string,
    reference: ReturnType<typeof parseImageReference>,
    request: PullRequest,
    who: string,
  ): InFlight {
    const waiters = new Map<string, PullRequest>();
    const run = async () =>
      runPull({
        store: this.#opts.store,
        fetch: this.#fetch,
        limitBytes: this.#opts.limitBytes,
        insecure: await this.#opts.insecure(),
        log: this.#opts.log,
        now: this.#now,
        image: request.image,
        reference,
        path: request.path,
        credentials: request.credentials,
        who,
        ...(request.onEvent ? { onEvent: request.onEvent } : {}),
      });
    const done = run().then(
      (entry) => {
        // From here on, a requester starts anew (and finds the image cached).
        this.#inFlight.delete(key);
        for (const [backoffKey, waiter] of waiters) {
          this.#failures.delete(backoffKey);
          if (waiter.onSettled) this.#results.set(backoffKey, entry);
        }
        return entry;
      },
      (error) => {
        this.#inFlight.delete(key);
        const message = messageOf(error);
        for (const [backoffKey, waiter] of waiters) {
          const count = (this.#failures.get(backoffKey)?.count ?? 0) + 1;
          const until = this.#now() + backoffDelay(PULL_BACKOFF, count - 1);
          this.#failures.set(backoffKey, {
            count,
            until,
            message,
            requester: waiter.requester,
            reported: false,
          });
          waiter.onEvent?.(
            "Warning",
            "Failed",
            `Failed to pull image "${waiter.image}": ${message}`,
          );
        }
        return undefined;
      },
    ).finally(() => {
      for (const waiter of waiters.values()) waiter.onSettled?.();
    });
    const pull = { done, waiters };
    this.#inFlight.set(key, pull);
    return pull;
  }
}
