import assert from "node:assert/strict";
import type { VMIRS } from "../../api/mod.ts";
import {
  pauseEventOf,
  REPLICA_FAILURE,
  REPLICA_PAUSED,
  rsStatusOf,
  statusPatchOf,
} from "./status.ts";
import { NOW, rsFixture, vmiFixture } from "./testdata/fixtures.ts";

const AT = "2026-01-01T00:10:00Z";
const active = [
  vmiFixture("a"),
  vmiFixture("b"),
  vmiFixture("c", { ready: "False", readyReason: "GuestNotRunning" }),
];

Deno.test("rsStatusOf() counts the active and the Ready VMIs and gives the selector as a string", () => {
  const rs = rsFixture((rs) => {
    rs.spec.selector = {
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }],
    };
  });
  assert.deepEqual(rsStatusOf(rs, active, undefined, NOW), {
    replicas: 3,
    readyReplicas: 2,
    labelSelector: "app=web,tier in (back,front)",
    conditions: [],
  });
});

Deno.test("rsStatusOf() sets KubeVirt's ReplicaPaused while paused and removes it after", () => {
  const paused = rsStatusOf(rsFixture((rs) => (rs.spec.paused = true)), active, undefined, NOW);
  assert.deepEqual(paused.conditions, [{
    type: REPLICA_PAUSED,
    status: "True",
    reason: "Paused",
    message: "Controller got paused",
    lastTransitionTime: AT,
  }]);
  const resumed = rsStatusOf(
    rsFixture((rs) => (rs.status!.conditions = paused.conditions)),
    active,
    undefined,
    NOW,
  );
  assert.deepEqual(resumed.conditions, []);
});

Deno.test("rsStatusOf() reports a failed create or delete as ReplicaFailure, and clears it after", () => {
  const error = { reason: "FailedCreate" as const, message: "Cannot create: 403 Forbidden" };
  const failed = rsStatusOf(rsFixture(), active, error, NOW);
  assert.deepEqual(failed.conditions, [{
    type: REPLICA_FAILURE,
    status: "True",
    reason: "FailedCreate",
    message: "Cannot create: 403 Forbidden",
    lastTransitionTime: AT,
  }]);
  // The same failure later keeps its transition time, so the status does not change.
  const again = rsStatusOf(
    rsFixture((rs) => (rs.status!.conditions = failed.conditions)),
    active,
    error,
    NOW + 60_000,
  );
  assert.deepEqual(again.conditions, failed.conditions);
  const healed = rsStatusOf(
    rsFixture((rs) => (rs.status!.conditions = failed.conditions)),
    active,
    undefined,
    NOW,
  );
  assert.deepEqual(healed.conditions, []);
});

Deno.test("rsStatusOf() keeps conditions it does not own", () => {
  const foreign = { type: "Example", status: "True" as const };
  const owned = rsStatusOf(
    rsFixture((rs) => (rs.status!.conditions = [foreign])),
    [],
    undefined,
    NOW,
  );
  assert.deepEqual(owned.conditions, [foreign]);
});

Deno.test("statusPatchOf() patches only the owned fields, and only when they changed", () => {
  const rs = rsFixture();
  const same = rsStatusOf(rs, [vmiFixture("a"), vmiFixture("b"), vmiFixture("c")], undefined, NOW);
  assert.equal(statusPatchOf(rs, same), undefined);
  const fewer = rsStatusOf(rs, [vmiFixture("a")], undefined, NOW);
  assert.deepEqual(statusPatchOf(rs, fewer), {
    status: { replicas: 1, readyReplicas: 1, labelSelector: "app=web", conditions: null },
  });
  const fresh: VMIRS = rsFixture((rs) => delete rs.status);
  assert.deepEqual(statusPatchOf(fresh, rsStatusOf(fresh, [], undefined, NOW)), {
    status: { replicas: 0, readyReplicas: 0, labelSelector: "app=web", conditions: null },
  });
});

Deno.test("pauseEventOf() names KubeVirt's SuccessfulPaused and SuccessfulResumed on a change only", () => {
  const pausedRs = rsFixture((rs) => (rs.spec.paused = true));
  const paused = rsStatusOf(pausedRs, [], undefined, NOW);
  assert.deepEqual(pauseEventOf(pausedRs, paused), {
    reason: "SuccessfulPaused",
    message: "Paused",
  });
  const stillPaused = rsFixture((rs) => {
    rs.spec.paused = true;
    rs.status!.conditions = paused.conditions;
  });
  assert.equal(pauseEventOf(stillPaused, rsStatusOf(stillPaused, [], undefined, NOW)), undefined);
  const resumedRs = rsFixture((rs) => (rs.status!.conditions = paused.conditions));
  assert.deepEqual(pauseEventOf(resumedRs, rsStatusOf(resumedRs, [], undefined, NOW)), {
    reason: "SuccessfulResumed",
    message: "Resumed",
  });
});
