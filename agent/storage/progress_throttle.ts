/** Limits an import's progress writes to one per interval. */
import type { ImportProgress } from "../import/types.ts";

export interface ProgressThrottle {
  /** Hands over a progress report: written now, or held until the interval ends. */
  onProgress(progress: ImportProgress): void;
  /** Drops the report held back, if any. */
  clear(): void;
}

/**
 * At most one `write` per `everyMs`; the last report held back is written when the interval
 * ends (unless `signal` aborted), so a stalled import shows where it stalled.
 */
export function progressThrottle(
  everyMs: number,
  signal: AbortSignal,
  write: (progress: ImportProgress) => void,
): ProgressThrottle {
  let lastProgressAt = -Infinity;
  let held: ImportProgress | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const writeProgress = (progress: ImportProgress) => {
    lastProgressAt = Date.now();
    held = undefined;
    write(progress);
  };
  return {
    onProgress: (progress) => {
      const wait = everyMs - (Date.now() - lastProgressAt);
      if (wait <= 0) return writeProgress(progress);
      held = progress;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (held && !signal.aborted) writeProgress(held);
      }, wait);
    },
    clear: () => clearTimeout(timer),
  };
}
