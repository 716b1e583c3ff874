/**
 * KubeVirt's migration timeouts, pure: a migration is aborted when it has not completed within
 * `completionTimeoutPerGiB` seconds per GiB of data to move (guest memory plus disks being
 * copied; at least one GiB), or when the data left to send has not shrunk for `progressTimeout`
 * seconds. The messages are KubeVirt's.
 */
import type { MigrationPolicy } from "../../api/mod.ts";

const GiB = 1024 ** 3;

/** What the watcher remembers between two looks. */
export interface MigrationProgress {
  /** The least data left to send seen so far (bytes). */
  bestRemaining: number;
  /** When it last shrank (ms since epoch). */
  lastProgressAt: number;
}

/** The next progress, and the failure reason when the migration must be aborted. */
export function timeoutOf(
  policy: MigrationPolicy,
  memoryBytes: number,
  startedAt: number,
  now: number,
  progress: MigrationProgress,
  stats: Record<string, number | string | boolean>,
): { progress: MigrationProgress; abort?: string } {
  const remaining = Number(stats.data_remaining ?? stats.memory_remaining ?? NaN);
  const total = Number(stats.data_total ?? 0);
  let next = progress;
  if (Number.isFinite(remaining) && remaining < progress.bestRemaining) {
    next = { bestRemaining: remaining, lastProgressAt: now };
  }
  const dataGiB = Math.max(1, Math.ceil(Math.max(total, memoryBytes) / GiB));
  const allowedMs = policy.completionTimeoutPerGiB * dataGiB * 1000;
  const elapsedMs = now - startedAt;
  if (elapsedMs > allowedMs) {
    const seconds = Math.round(elapsedMs / 1000);
    return {
      progress: next,
      abort: `Live migration is not completed after ${seconds} sec and has been aborted`,
    };
  }
  const stuckMs = now - next.lastProgressAt;
  if (stuckMs > policy.progressTimeout * 1000) {
    const seconds = Math.round(stuckMs / 1000);
    return {
      progress: next,
      abort: `Live migration stuck for ${seconds} sec and has been aborted`,
    };
  }
  return { progress: next };
}
