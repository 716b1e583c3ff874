import assert from "node:assert/strict";
import type { DataVolumeStatus, DV, PersistentVolumeClaim, StorageClass } from "../../api/mod.ts";
import { conditionOf } from "../../api/conditions.ts";
import { dataVolumeStatusOf, type DvProblem } from "./status.ts";
import { claimOf, dvFixture, NOW, storageClass } from "./testdata/fixtures.ts";

const PHASE = "cdi.kubevirt.io/storage.pod.phase";
const RESTARTS = "cdi.kubevirt.io/storage.pod.restarts";
const RUNNING = "cdi.kubevirt.io/storage.condition.running";
const REASON = "cdi.kubevirt.io/storage.condition.running.reason";
const MESSAGE = "cdi.kubevirt.io/storage.condition.running.message";
const PROGRESS = "denovirt.io/import-progress";
const NODE = "volume.kubernetes.io/selected-node";

const WFFC = storageClass("WaitForFirstConsumer");
const IMMEDIATE = storageClass("Immediate");
const http = dvFixture();
const clone = dvFixture((dv) => dv.spec.source = { pvc: { namespace: "images", name: "golden" } });

/** "phase progress restarts Bound Running Ready", each condition as `status/reason`. */
function summary(status: DataVolumeStatus): string {
  const c = (type: string) => {
    const found = conditionOf(status.conditions, type);
    return found ? `${found.status}/${found.reason ?? ""}` : "-";
  };
  return [status.phase, status.progress, status.restartCount, c("Bound"), c("Running"), c("Ready")]
    .join(" ");
}

interface Case {
  what: string;
  dv?: DV;
  claim?: PersistentVolumeClaim;
  sc?: StorageClass;
  problem?: DvProblem;
  want: string;
}

Deno.test("dataVolumeStatusOf() reports CDI's phase for every state of the claim", () => {
  const bound = (dv: DV, annotations: Record<string, string> = {}) =>
    claimOf(dv, "Bound", annotations);
  const cases: Case[] = [
    { what: "no claim yet", want: "Pending N/A 0 False/Pending False/ False/" },
    {
      what: "claim Pending, WaitForFirstConsumer",
      claim: claimOf(http, "Pending"),
      sc: WFFC,
      want: "WaitForFirstConsumer N/A 0 False/Pending False/ False/",
    },
    {
      what: "claim Pending, WaitForFirstConsumer with its node chosen",
      claim: claimOf(http, "Pending", { [NODE]: "node-a" }),
      sc: WFFC,
      want: "Pending N/A 0 False/Pending False/ False/",
    },
    {
      what: "claim Pending, WaitForFirstConsumer with immediate binding requested",
      claim: claimOf(http, "Pending", { "cdi.kubevirt.io/storage.bind.immediate.requested": "" }),
      sc: WFFC,
      want: "Pending N/A 0 False/Pending False/ False/",
    },
    {
      what: "claim Pending, Immediate",
      claim: claimOf(http, "Pending"),
      sc: IMMEDIATE,
      want: "Pending N/A 0 False/Pending False/ False/",
    },
    {
      what: "claim without a phase yet, no class",
      claim: claimOf(http, undefined),
      sc: undefined,
      want: "Pending N/A 0 False/Pending False/ False/",
    },
    {
      what: "claim Lost",
      claim: claimOf(http, "Lost"),
      want: "Failed N/A 0 False/ClaimLost False/ClaimLost False/",
    },
    {
      what: "bound, import not started",
      claim: bound(http),
      want: "ImportScheduled N/A 0 True/Bound False/ False/",
    },
    {
      what: "bound, import Pending",
      claim: bound(http, { [PHASE]: "Pending" }),
      want: "ImportScheduled N/A 0 True/Bound False/ False/",
    },
    {
      what: "bound, clone not started",
      dv: clone,
      claim: bound(clone),
      want: "CloneScheduled N/A 0 True/Bound False/ False/",
    },
    {
      what: "import Running",
      claim: bound(http, {
        [PHASE]: "Running",
        [PROGRESS]: "45.20%",
        [RUNNING]: "true",
        [RESTARTS]: "2",
      }),
      want: "ImportInProgress 45.20% 2 True/Bound True/ False/",
    },
    {
      what: "import Running, no progress yet, restarts unreadable",
      claim: bound(http, { [PHASE]: "Running", [RUNNING]: "true", [RESTARTS]: "x" }),
      want: "ImportInProgress N/A 0 True/Bound True/ False/",
    },
    {
      what: "import retrying after an error",
      claim: bound(http, { [PHASE]: "Running", [RUNNING]: "false", [REASON]: "Error" }),
      want: "ImportInProgress N/A 0 True/Bound False/Error False/",
    },
    {
      what: "clone Running",
      dv: clone,
      claim: bound(clone, { [PHASE]: "Running", [PROGRESS]: "10.00%" }),
      want: "CloneInProgress 10.00% 0 True/Bound False/ False/",
    },
    {
      what: "import Succeeded",
      claim: bound(http, { [PHASE]: "Succeeded", [PROGRESS]: "99.00%" }),
      want: "Succeeded 100.0% 0 True/Bound False/Completed True/",
    },
    {
      what: "clone Succeeded",
      dv: clone,
      claim: bound(clone, { [PHASE]: "Succeeded" }),
      want: "Succeeded 100.0% 0 True/Bound False/Completed True/",
    },
    {
      what: "import Failed",
      claim: bound(http, {
        [PHASE]: "Failed",
        [REASON]: "NotFound",
        [MESSAGE]: "404",
        [RESTARTS]: "3",
      }),
      want: "Failed N/A 3 True/Bound False/NotFound False/",
    },
    {
      what: "import Failed without a reason",
      claim: bound(http, { [PHASE]: "Failed" }),
      want: "Failed N/A 0 True/Bound False/Error False/",
    },
    {
      what: "a spec that cannot be filled",
      problem: { phase: "Failed", reason: "ErrClaimNotValid", message: "no size" },
      want: "Failed N/A 0 False/ErrClaimNotValid False/ErrClaimNotValid False/",
    },
    {
      what: "a clone waiting for its source",
      dv: clone,
      problem: { phase: "Pending", reason: "CloneWithoutSource", message: "wait" },
      want: "Pending N/A 0 False/CloneWithoutSource False/ False/",
    },
  ];
  for (const c of cases) {
    const { what, dv = http, claim, problem, want } = c;
    const storageClass = "sc" in c ? c.sc : WFFC;
    const status = dataVolumeStatusOf({ dv, claim, storageClass, problem, now: NOW });
    assert.equal(summary(status), want, what);
    assert.equal(status.claimName, claim ? "rootdisk" : undefined, what);
  }
});

Deno.test("dataVolumeStatusOf() is stable: an unchanged claim gives the same status later", () => {
  const claim = claimOf(http, "Bound", {
    [PHASE]: "Running",
    [PROGRESS]: "12.00%",
    [RUNNING]: "true",
  });
  const first = dataVolumeStatusOf({ dv: http, claim, storageClass: WFFC, now: NOW });
  const dv = { ...http, status: first };
  assert.deepEqual(
    dataVolumeStatusOf({ dv, claim, storageClass: WFFC, now: NOW + 60_000 }),
    first,
  );
});

Deno.test("dataVolumeStatusOf() keeps lastTransitionTime while a condition's status holds", () => {
  const running = claimOf(http, "Bound", { [PHASE]: "Running", [RUNNING]: "false" });
  const first = dataVolumeStatusOf({ dv: http, claim: running, storageClass: WFFC, now: NOW });
  const later = NOW + 60_000;
  const failed = claimOf(http, "Bound", {
    [PHASE]: "Failed",
    [REASON]: "NotFound",
    [MESSAGE]: "404",
  });
  const next = dataVolumeStatusOf({
    dv: { ...http, status: first },
    claim: failed,
    storageClass: WFFC,
    now: later,
  });
  const before = conditionOf(first.conditions, "Running")!;
  const after = conditionOf(next.conditions, "Running")!;
  assert.equal(after.status, "False");
  assert.equal(after.reason, "NotFound");
  assert.equal(after.lastTransitionTime, before.lastTransitionTime, "still False");
  assert.equal(after.lastHeartbeatTime, "2026-01-01T00:11:00Z", "the message changed");
  assert.deepEqual(conditionOf(next.conditions, "Bound"), conditionOf(first.conditions, "Bound"));
});
