/** onProgress, throttled: the first bytes at once, then at most every 250 ms, then a final call. */
import type { ImportProgress } from "./types.ts";

export const PROGRESS_INTERVAL_MS = 250;

export interface ProgressReporter {
  /** `bytes` received so far; reported unless the last report is too recent. */
  update(bytes: number): void;
  /** The final count, always reported (once). */
  finish(bytes: number): void;
}

/** A reporter calling `onProgress` (if any) with `totalBytes` when known. */
export function throttledProgress(
  onProgress: ((progress: ImportProgress) => void) | undefined,
  totalBytes: number | undefined,
  now: () => number = performance.now.bind(performance),
): ProgressReporter {
  let last = -Infinity;
  let finished = false;
  const report = (bytes: number) =>
    onProgress?.(totalBytes === undefined ? { bytes } : { bytes, totalBytes });
  return {
    update(bytes) {
      if (finished || now() - last < PROGRESS_INTERVAL_MS) return;
      last = now();
      report(bytes);
    },
    finish(bytes) {
      if (finished) return;
      finished = true;
      report(bytes);
    },
  };
}
