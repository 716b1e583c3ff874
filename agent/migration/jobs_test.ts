import assert from "node:assert/strict";
import { MigrationJobs } from "./jobs.ts";

Deno.test("MigrationJobs: one job per key, its progress kept, an abort reaches it with its reason", async () => {
  let now = 1_000;
  const jobs = new MigrationJobs(() => now);
  let reason: unknown;
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  let enqueued = 0;
  const started = jobs.start("ns/a", "m1", (signal) => {
    signal.addEventListener("abort", () => (reason = signal.reason));
    return ended;
  }, () => enqueued++);
  assert.equal(started, true);
  assert.equal(jobs.start("ns/a", "m1", () => Promise.resolve(), () => {}), false);
  assert.deepEqual(jobs.of("ns/a"), { migrationUid: "m1", aborting: false });
  assert.deepEqual(jobs.progressOf("ns/a"), {
    startedAt: 1_000,
    progress: { bestRemaining: Infinity, lastProgressAt: 1_000 },
  });
  now = 2_000;
  jobs.recordProgress("ns/a", { bestRemaining: 5, lastProgressAt: 2_000 });
  assert.equal(jobs.progressOf("ns/a")?.progress.bestRemaining, 5);
  jobs.abort("ns/a", "Live migration stuck for 151 sec and has been aborted");
  jobs.abort("ns/a"); // a second abort changes nothing
  assert.equal(reason, "Live migration stuck for 151 sec and has been aborted");
  assert.equal(jobs.of("ns/a")?.aborting, true);
  finish();
  await ended;
  await Promise.resolve();
  assert.equal(jobs.of("ns/a"), undefined);
  assert.equal(enqueued, 1);
});
