import assert from "node:assert/strict";
import { DEFAULT_MIGRATION_POLICY } from "../../api/mod.ts";
import { timeoutOf } from "./timeouts.ts";

const MiB = 1024 ** 2;
const policy = { ...DEFAULT_MIGRATION_POLICY, completionTimeoutPerGiB: 10, progressTimeout: 5 };

Deno.test("timeoutOf() records progress and aborts a migration stuck for the progress timeout", () => {
  const start = 0;
  let r = timeoutOf(
    policy,
    256 * MiB,
    start,
    1000,
    { bestRemaining: Infinity, lastProgressAt: 0 },
    {
      data_remaining: 100,
    },
  );
  assert.equal(r.abort, undefined);
  assert.deepEqual(r.progress, { bestRemaining: 100, lastProgressAt: 1000 });
  r = timeoutOf(policy, 256 * MiB, start, 5000, r.progress, { data_remaining: 150 });
  assert.equal(r.abort, undefined, "not yet 5 s without progress");
  r = timeoutOf(policy, 256 * MiB, start, 6500, r.progress, { data_remaining: 120 });
  assert.equal(r.abort, "Live migration stuck for 6 sec and has been aborted");
});

Deno.test("timeoutOf() aborts after the completion timeout per GiB (at least one GiB)", () => {
  const moving = { bestRemaining: Infinity, lastProgressAt: 0 };
  const small = timeoutOf(policy, 128 * MiB, 0, 9000, moving, { data_remaining: 1 });
  assert.equal(small.abort, undefined);
  const late = timeoutOf(policy, 128 * MiB, 0, 10_500, { ...moving, lastProgressAt: 10_000 }, {
    data_remaining: 0,
  });
  assert.equal(late.abort, "Live migration is not completed after 11 sec and has been aborted");
  const big = timeoutOf(policy, 3 * 1024 * MiB, 0, 25_000, { ...moving, lastProgressAt: 25_000 }, {
    data_remaining: 0,
  });
  assert.equal(big.abort, undefined, "3 GiB may take 30 s");
});
