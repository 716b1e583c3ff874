/** Exponential backoff with jitter, and an abortable sleep. */

/** How a delay grows: `baseMs * factor^attempt`, capped at `maxMs`, then jittered by ±`jitter`. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  factor?: number;
  /** Fraction of the delay to spread by, so that retries of many clients do not line up. */
  jitter?: number;
}

/** The delay before retry number `attempt` (0-based), within `delay * (1 ± jitter)`. */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const { baseMs, maxMs, factor = 2, jitter = 0.2 } = policy;
  const delay = Math.min(maxMs, baseMs * Math.pow(factor, Math.max(0, attempt)));
  return Math.round(delay * (1 + jitter * (2 * random() - 1)));
}

/** `ms` spread by ±`jitter` (a fraction), for periodic work such as relists and renewals. */
export function jittered(ms: number, jitter = 0.2, random: () => number = Math.random): number {
  return Math.round(ms * (1 + jitter * (2 * random() - 1)));
}

/** A retry counter for one loop: `next()` gives the next delay, `reset()` after a success. */
export class Backoff {
  #attempt = 0;
  constructor(readonly policy: BackoffPolicy, readonly random: () => number = Math.random) {}

  /** The delay to wait now; each call grows the next one. */
  next(): number {
    return backoffDelay(this.policy, this.#attempt++, this.random);
  }

  /** Start over from `baseMs`. */
  reset(): void {
    this.#attempt = 0;
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }
}

/** Wait `ms`, or less when `signal` aborts; resolves true when the full time passed. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
