/**
 * The imports this node's claims ask for (CDI's annotations on a claim bound to one of its
 * local volumes): one attempt per pass of the claim's key, as many at once as the controller
 * has workers; each step written back on the claim's annotations as CDI's importer reports
 * them. A failed attempt is tried again after a backoff that grows with the claim's restarts
 * (as kubelet restarts a failing importer pod); one that waits for a Secret, a ConfigMap or a
 * clone source looks again shortly.
 */
import {
  ANN_CLONE_REQUEST,
  type PersistentVolume,
  type PersistentVolumeClaim,
} from "../../api/mod.ts";
import { backoffDelay, type BackoffPolicy } from "../../lib/backoff.ts";
import type {
  CacheReader,
  Controller,
  ReconcileContext,
  ReconcileResult,
} from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { keyFor, keyOf, type KubeObject } from "../../lib/kube/object.ts";
import {
  configMaps,
  persistentVolumeClaims,
  persistentVolumes,
  secrets,
} from "../../lib/kube/resources.ts";
import { insecureRegistries } from "../images/insecure.ts";
import { ImportError, type ImportRequest, type ImportResult } from "../import/types.ts";
import { FinishedImports } from "./finished_imports.ts";
import type { ImportJobs } from "./import_jobs.ts";
import { type ImportLookups, importSourceFor, ImportWait } from "./import_request.ts";
import { restartsOf, wantedImportOf } from "./import_state.ts";
import { ImportStepWriter } from "./import_step_writer.ts";
import { progressThrottle } from "./progress_throttle.ts";
import { claimKeyOfPv } from "./types.ts";

/** The import engine: `runImport` of agent/import. */
export type ImportRunner = (request: ImportRequest) => Promise<ImportResult>;

/** How often a claim whose import waits (for a Secret, a clone source) is looked at again. */
export const IMPORT_WAIT_POLL_MS = 5_000;
/** Index of claims by the `namespace/name` they clone from. */
const BY_CLONE_SOURCE = "byCloneSource";

export interface ImportsOptions {
  node: string;
  volumesDir: string;
  run: ImportRunner;
  jobs: ImportJobs;
  /** Imports at once. */
  concurrency: number;
  /** Progress is written at most this often. Default 1 s. */
  progressIntervalMs?: number;
  now?: () => number;
}

/** Delays before the next attempt after the 1st, 2nd, ... failed one. */
const RETRY: BackoffPolicy = { baseMs: 1_000, maxMs: 300_000, factor: 2, jitter: 0.2 };

/** What the controller remembers between passes of a claim. */
interface Memory {
  /** Claims whose import ended here: the cache may show them from before the last write. */
  finished: FinishedImports;
  /** When each claim that failed may try again (writes of its own failure must not hurry it). */
  retryAt: Map<string, { uid: string; at: number }>;
  now: () => number;
}

/** The imports controller of this node. */
export function importsController(opts: ImportsOptions): Controller<PersistentVolumeClaim> {
  const memory: Memory = {
    finished: new FinishedImports(),
    retryAt: new Map(),
    now: opts.now ?? Date.now,
  };
  return {
    name: "imports",
    for: persistentVolumeClaims,
    watches: [
      {
        resource: persistentVolumes,
        mapToKeys: (pv) => {
          const claim = claimKeyOfPv(pv as PersistentVolume);
          return claim ? [claim] : [];
        },
      },
      {
        // Clones of a claim may start once it is ready.
        resource: persistentVolumeClaims,
        mapToKeys: (pvc, cache) =>
          cache(persistentVolumeClaims).byIndex(BY_CLONE_SOURCE, keyOf(pvc)).map(keyOf),
      },
    ],
    indexes: [{
      resource: persistentVolumeClaims,
      name: BY_CLONE_SOURCE,
      index: (pvc) => {
        const request = pvc.metadata?.annotations?.[ANN_CLONE_REQUEST];
        if (!request) return [];
        return [request.includes("/") ? request : keyFor(pvc.metadata?.namespace, request)];
      },
    }],
    concurrency: opts.concurrency,
    backoff: RETRY,
    async reconcile(key, ctx) {
      const pvc = ctx.object;
      if (!pvc) {
        memory.finished.delete(key);
        memory.retryAt.delete(key);
        return;
      }
      const pv = claimVolume(ctx.cache, pvc);
      const wanted = wantedImportOf(pvc, pv, opts.node, opts.volumesDir);
      if (!wanted || memory.finished.endedHere(key, pvc)) return;
      const retry = memory.retryAt.get(key);
      const wait = retry?.uid === pvc.metadata?.uid ? retry!.at - memory.now() : 0;
      if (wait > 0) return { requeueAfterMs: wait };
      return await attempt(ctx, pvc, wanted, opts, memory);
    },
  };
}

/** One attempt of the claim's import. */
async function attempt(
  ctx: ReconcileContext<PersistentVolumeClaim>,
  pvc: PersistentVolumeClaim,
  wanted: NonNullable<ReturnType<typeof wantedImportOf>>,
  opts: ImportsOptions,
  memory: Memory,
): Promise<ReconcileResult | void> {
  const key = ctx.key;
  const uid = pvc.metadata?.uid ?? "";
  const signal = opts.jobs.begin(key, uid, ctx.signal);
  const writer = new ImportStepWriter(ctx.rest, pvc, ctx.log, signal);
  const progress = progressThrottle(
    opts.progressIntervalMs ?? 1_000,
    signal,
    ({ bytes, totalBytes }) => writer.progress({ step: "progress", bytes, totalBytes }),
  );
  try {
    let request: ImportRequest;
    try {
      const source = await importSourceFor(pvc, opts.node, opts.volumesDir, lookups(ctx));
      request = { source, targetDir: wanted.dir, capacityBytes: wanted.capacityBytes, signal };
    } catch (error) {
      if (error instanceof ImportError && !error.retryable) {
        return await fail(ctx, writer, pvc, error, memory);
      }
      const reason = error instanceof ImportWait ? error.reason : "LookupFailed";
      await writer.write({ step: "waiting", reason, message: messageOf(error) });
      ctx.log.info("Import waits", { reason, error: messageOf(error) });
      return { requeueAfterMs: IMPORT_WAIT_POLL_MS };
    }
    await writer.write({ step: "started" });
    ctx.log.info("Import started", { source: wanted.source, dir: wanted.dir });
    try {
      const result = await opts.run({ ...request, onProgress: progress.onProgress });
      progress.clear();
      await writer.write({ step: "succeeded" });
      memory.finished.set(key, uid, writer.writtenVersion);
      memory.retryAt.delete(key);
      ctx.log.info("Import succeeded", { ...result });
      await ctx.events.normal(pvc, "ImportSucceeded", `Successfully imported into claim ${key}`);
    } catch (error) {
      progress.clear();
      if (signal.aborted) return ctx.log.info("Import stopped");
      if (error instanceof ImportError && !error.retryable) {
        return await fail(ctx, writer, pvc, error, memory);
      }
      const restarts = restartsOf(pvc) + 1;
      // "Error", as CDI reports a failed importer pod: KubeVirt reads it as a DataVolume error.
      await writer.write({
        step: "retrying",
        restarts,
        reason: "Error",
        message: messageOf(error),
      });
      const delayMs = backoffDelay(RETRY, restarts - 1);
      memory.retryAt.set(key, { uid, at: memory.now() + delayMs });
      ctx.log.warn("Import failed; retrying", {
        error: messageOf(error),
        restarts,
        retryInMs: delayMs,
      });
      return { requeueAfterMs: delayMs };
    }
  } finally {
    progress.clear();
    opts.jobs.finish(key);
  }
}

/** A terminal failure: recorded on the claim, not retried until someone changes the claim. */
async function fail(
  ctx: ReconcileContext<PersistentVolumeClaim>,
  writer: ImportStepWriter,
  pvc: PersistentVolumeClaim,
  error: ImportError,
  memory: Memory,
): Promise<void> {
  await writer.write({ step: "failed", reason: error.reason, message: error.message });
  memory.finished.set(ctx.key, pvc.metadata?.uid ?? "", writer.writtenVersion);
  memory.retryAt.delete(ctx.key);
  ctx.log.warn("Import failed", { reason: error.reason, error: error.message });
  await ctx.events.warning(
    pvc,
    "ImportFailed",
    `Cannot import into claim ${ctx.key}: ${error.message}`,
  );
}

/** The PV a claim is bound to, from the cache. */
function claimVolume(cache: CacheReader, pvc: PersistentVolumeClaim): PersistentVolume | undefined {
  const name = pvc.spec?.volumeName;
  return name ? cache<PersistentVolume>(persistentVolumes).get(name) : undefined;
}

/** What building a request looks up: Secrets and ConfigMaps live, claims from the cache. */
function lookups(ctx: ReconcileContext<PersistentVolumeClaim>): ImportLookups {
  const dataOf = async (resource: typeof secrets, namespace: string, name: string) => {
    try {
      const obj = await ctx.rest.get<KubeObject & { data?: Record<string, string> }>(
        resource,
        { namespace, name },
        ctx.signal,
      );
      return obj.data ?? {};
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  return {
    getSecret: (namespace, name) => dataOf(secrets, namespace, name),
    getConfigMap: (namespace, name) => dataOf(configMaps, namespace, name),
    insecureRegistries: async () => [...await insecureRegistries(ctx.rest)],
    claim(namespace, name) {
      const pvc = ctx.cache<PersistentVolumeClaim>(persistentVolumeClaims).get(
        `${namespace}/${name}`,
      );
      return { pvc, pv: pvc ? claimVolume(ctx.cache, pvc) : undefined };
    },
  };
}
