/** Read the pass and fail counts of a `deno test` run from its summary line. */

export interface TestCounts {
  passed: number;
  failed: number;
}

// deno test ends with e.g. "ok | 5 passed (3 steps) | 0 failed (2s)" or "FAILED | 4 passed | 1 failed".
const SUMMARY = /(\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/g;

/** The counts of the last summary line in `output` (zero when there is none). */
export function countsOf(output: string): TestCounts {
  let counts: TestCounts = { passed: 0, failed: 0 };
  for (const match of output.matchAll(SUMMARY)) {
    counts = { passed: Number(match[1]), failed: Number(match[2]) };
  }
  return counts;
}
