import assert from "node:assert/strict";
import type { RunStrategy, VirtualMachineInstancePhase } from "../../api/mod.ts";
import { desiredVmi } from "./desired.ts";
import { NOW, VMI_UID, vmiInPhase, vmWithStrategy } from "./testdata/fixtures.ts";

type Code = "C" | "K" | "D" | "R" | "B";
const NAMES: Record<Code, string> = {
  C: "create",
  K: "keep",
  D: "delete",
  R: "runAlways",
  B: "backoff",
};
type Column = "none" | VirtualMachineInstancePhase | "deleting";
const COLUMNS: Column[] = [
  "none",
  "",
  "Pending",
  "Scheduling",
  "Scheduled",
  "Running",
  "Succeeded",
  "Failed",
  "Unknown",
  "deleting",
];
type Request = "none" | "start" | "stop" | "stopOther";

// What KubeVirt does (pkg/virt-controller/watch/vm syncRunStrategy) for a VM that already ran
// under its strategy, by the first state change request and the VMI's phase ("none": no VMI;
// "deleting": a Running VMI with a deletionTimestamp).
//                                      none  ""  Pend Schg Schd Run  Succ Fail Unkn deleting
const TABLE: Record<RunStrategy, Record<Request, Code[]>> = {
  Always: {
    none: /*                       */ ["C", "K", "K", "K", "K", "K", "D", "D", "K", "K"],
    start: /*                      */ ["C", "K", "K", "K", "K", "K", "D", "D", "K", "K"],
    stop: /* a restart             */ ["C", "D", "D", "D", "D", "D", "D", "D", "D", "K"],
    stopOther: /*                  */ ["C", "K", "K", "K", "K", "K", "D", "D", "K", "K"],
  },
  RerunOnFailure: {
    none: /*                       */ ["K", "K", "K", "K", "K", "K", "D", "D", "K", "K"],
    start: /*                      */ ["C", "K", "K", "K", "K", "K", "D", "D", "K", "K"],
    stop: /*                       */ ["K", "D", "D", "D", "D", "D", "D", "D", "D", "K"],
    stopOther: /*                  */ ["K", "K", "K", "K", "K", "K", "D", "D", "K", "K"],
  },
  Manual: {
    none: /*                       */ ["K", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
    start: /*                      */ ["C", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
    stop: /*                       */ ["K", "D", "D", "D", "D", "D", "D", "D", "D", "K"],
    stopOther: /*                  */ ["K", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
  },
  Halted: {
    none: /*                       */ ["K", "D", "D", "D", "D", "D", "D", "D", "D", "K"],
    start: /* start = run Always   */ ["R", "D", "D", "D", "D", "D", "D", "D", "D", "K"],
    stop: /*                       */ ["K", "D", "D", "D", "D", "D", "D", "D", "D", "K"],
    stopOther: /*                  */ ["K", "D", "D", "D", "D", "D", "D", "D", "D", "K"],
  },
  Once: {
    none: /*                       */ ["C", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
    start: /*                      */ ["C", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
    stop: /*                       */ ["C", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
    stopOther: /*                  */ ["C", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
  },
  WaitAsReceiver: {
    none: /* unsupported           */ ["K", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
    start: /*                      */ ["K", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
    stop: /*                       */ ["K", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
    stopOther: /*                  */ ["K", "K", "K", "K", "K", "K", "K", "K", "K", "K"],
  },
};

const REQUESTS: Record<Request, Array<{ action: "Start" | "Stop"; uid?: string }>> = {
  none: [],
  start: [{ action: "Start" }],
  stop: [{ action: "Stop", uid: VMI_UID }],
  stopOther: [{ action: "Stop", uid: "an-earlier-vmi" }],
};

function vmiFor(column: Column) {
  if (column === "none") return undefined;
  if (column === "deleting") {
    return vmiInPhase("Running", (v) => v.metadata.deletionTimestamp = "2026-01-01T00:09:00Z");
  }
  return vmiInPhase(column);
}

for (
  const [strategy, rows] of Object.entries(TABLE) as Array<[RunStrategy, Record<Request, Code[]>]>
) {
  Deno.test(`desiredVmi() under ${strategy}: every VMI phase × state change request`, () => {
    const failures: string[] = [];
    for (const [request, codes] of Object.entries(rows) as Array<[Request, Code[]]>) {
      COLUMNS.forEach((column, i) => {
        const vm = vmWithStrategy(strategy, (vm) => {
          vm.status!.stateChangeRequests = REQUESTS[request];
        });
        const got = desiredVmi(vm, vmiFor(column), strategy, NOW);
        const want = NAMES[codes[i]!];
        if (got.action.kind !== want) {
          failures.push(
            `${request} × ${column || '""'}: want ${want}, got ${got.action.kind} (${got.why})`,
          );
        }
        if (got.action.kind === "delete") assert.equal(got.action.uid, VMI_UID);
      });
    }
    assert.deepEqual(failures, []);
  });
}

Deno.test("desiredVmi() restarts a failed RerunOnFailure VMI with a start request, not a succeeded one", () => {
  const vm = vmWithStrategy("RerunOnFailure");
  assert.equal(
    desiredVmi(vm, vmiInPhase("Failed"), "RerunOnFailure", NOW).appendStartRequest,
    true,
  );
  assert.equal(
    desiredVmi(vm, vmiInPhase("Succeeded"), "RerunOnFailure", NOW).appendStartRequest,
    false,
  );
});

Deno.test("desiredVmi() starts a RerunOnFailure VM that has not run under that strategy yet", () => {
  const vm = vmWithStrategy("RerunOnFailure", (vm) => delete vm.status!.runStrategy);
  assert.equal(desiredVmi(vm, undefined, "RerunOnFailure", NOW).action.kind, "create");
  const switched = vmWithStrategy("RerunOnFailure", (vm) => vm.status!.runStrategy = "Halted");
  assert.equal(desiredVmi(switched, undefined, "RerunOnFailure", NOW).action.kind, "create");
});

Deno.test("desiredVmi() waits out the start backoff of Always and RerunOnFailure, not of Once", () => {
  const failing = (strategy: RunStrategy) =>
    vmWithStrategy(strategy, (vm) => {
      vm.status!.startFailure = {
        consecutiveFailCount: 2,
        lastFailedVMIUID: "old",
        retryAfterTimestamp: "2026-01-01T00:10:40Z",
      };
      vm.status!.stateChangeRequests = [{ action: "Start" }];
    });
  assert.deepEqual(desiredVmi(failing("Always"), undefined, "Always", NOW).action, {
    kind: "backoff",
    ms: 40_000,
  });
  assert.equal(
    desiredVmi(failing("RerunOnFailure"), undefined, "RerunOnFailure", NOW).action.kind,
    "backoff",
  );
  assert.equal(desiredVmi(failing("Once"), undefined, "Once", NOW).action.kind, "create");
  const later = Date.parse("2026-01-01T00:10:41Z");
  assert.equal(desiredVmi(failing("Always"), undefined, "Always", later).action.kind, "create");
});

Deno.test("desiredVmi() deletes the VMI of a VM being deleted, whatever the strategy", () => {
  for (const strategy of ["Always", "Manual", "Once", "RerunOnFailure"] as const) {
    const vm = vmWithStrategy(
      strategy,
      (vm) => vm.metadata.deletionTimestamp = "2026-01-01T00:09:00Z",
    );
    assert.equal(desiredVmi(vm, vmiInPhase("Running"), strategy, NOW).action.kind, "delete");
    assert.equal(desiredVmi(vm, undefined, strategy, NOW).action.kind, "keep");
  }
});
