import assert from "node:assert/strict";
import { migrationReport, rawJobStats, sampleOf } from "./migration_report.ts";

Deno.test("rawJobStats() and sampleOf() read virsh's raw completed job statistics", () => {
  const text = [
    "Job type:         Completed",
    "operation: 6",
    "time_elapsed: 4312",
    "downtime: 87",
    "data_processed: 52428800",
  ].join("\n");
  const sample = sampleOf(5000, rawJobStats(text));
  assert.deepEqual(sample, { apiMs: 5000, elapsedMs: 4312, downtimeMs: 87, dataBytes: 52428800 });
  assert.ok(Number.isNaN(sampleOf(1, rawJobStats("operation: 6")).downtimeMs), "not reported");
});

Deno.test("migrationReport() shows medians per guest and every run", () => {
  const s = (apiMs: number, downtimeMs: number) => ({
    apiMs,
    elapsedMs: apiMs - 500,
    downtimeMs,
    dataBytes: 2 ** 20 * 40,
  });
  const report = migrationReport({ idle: [s(3000, 30), s(5000, 50), s(4000, 40)] }, ["- TCG"]);
  assert.match(
    report,
    /\| idle \| 4\.00 \(3\.00, 5\.00, 4\.00\) \| 3\.50 \| 40 \(30, 50, 40\) \| 40\.0 \|/,
  );
  assert.ok(report.endsWith("- TCG\n"));
});
