/** Work at a fixed pace, open loop: task i starts at `i * intervalMs` whatever earlier ones do. */

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Runs `task(i)` for i in 0..count-1, each started `intervalMs` after the previous one was due
 * (never waiting for it to finish); resolves with every result once all have settled.
 */
export async function atPace<T>(
  count: number,
  intervalMs: number,
  task: (i: number) => Promise<T>,
  clock: () => number = () => performance.now(),
): Promise<PromiseSettledResult<T>[]> {
  const start = clock();
  const running: Promise<PromiseSettledResult<T>>[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(start + i * intervalMs - clock());
    // Settled at once, so a failure is never an unhandled rejection while later tasks wait.
    running.push(
      task(i).then(
        (value) => ({ status: "fulfilled", value }),
        (reason) => ({ status: "rejected", reason }),
      ),
    );
  }
  return await Promise.all(running);
}

/** Polls `check` every `everyMs` until it answers true; false when `timeoutMs` passed first. */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; answers the failures. */
export async function forEachLimited<T>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<unknown[]> {
  const failures: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index]!, index).catch((error) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}
