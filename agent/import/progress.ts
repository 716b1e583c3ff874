/** onProgress, throttled: the first bytes at once, then at most every 250 ms, then a final call. */
import type { ImportProgress } from "./types.ts";

export const PROGRESS_INTERVAL_MS = 250;

export interface ProgressReporter {
  /** `bytes` received so far; reported unless the last report is too recent. */
  update(bytes: number): void;
  /** The final count, always reported (once). */
  finish(bytes: number): void;
}

/**
 * A reporter calling `onProgress` (if any) with `totalBytes` when known. A count held back by
 * the throttle is reported once the interval has passed, so a stalled transfer shows where it
 * stalled.
 */
export function throttledProgress(
  onProgress: ((progress: ImportProgress) => void) | undefined,
  totalBytes: number | undefined,
  now: () => number = performance.now.bind(performance),
): ProgressReporter {
  let last = -Infinity;
  let finished = false;
  let held: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const report = (bytes: number) => {
    last = now();
    held = undefined;
    onProgress?.(totalBytes === undefined ? { bytes } : { bytes, totalBytes });
  };
  const cancelTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    update(bytes) {
      if (finished || !onProgress) return;
      const wait = PROGRESS_INTERVAL_MS - (now() - last);
      if (wait <= 0) {
        cancelTimer();
        return report(bytes);
      }
      held = bytes;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (!finished && held !== undefined) report(held);
      }, wait);
    },
    finish(bytes) {
      if (finished) return;
      finished = true;
      cancelTimer();
      report(bytes);
    },
  };
}
