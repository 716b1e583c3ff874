import assert from "node:assert/strict";
import { isAssignedTo, migrationInFlight, migrationTargetNode } from "./migration_state.ts";
import type { VirtualMachineInstance } from "./virtual_machine_instance.ts";

function vmi(status: VirtualMachineInstance["status"]): VirtualMachineInstance {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name: "a", namespace: "n", uid: "u" },
    spec: { domain: { devices: {} } },
    status,
  } as VirtualMachineInstance;
}

const inFlight = { migrationUid: "m", sourceNode: "n1", targetNode: "n2" };

Deno.test("migrationInFlight: a begun migration until it completes or fails", () => {
  const cases: [VirtualMachineInstance["status"], boolean][] = [
    [{}, false],
    [{ migrationState: { migrationUid: "m" } }, false],
    [{ migrationState: inFlight }, true],
    [{ migrationState: { ...inFlight, completed: true } }, false],
    [{ migrationState: { ...inFlight, failed: true } }, false],
    [{ migrationState: null }, false],
  ];
  for (const [status, expected] of cases) {
    assert.equal(migrationInFlight(vmi(status)) !== undefined, expected, JSON.stringify(status));
  }
});

Deno.test("isAssignedTo: the VMI's node and its migration target, no other node", () => {
  const running = vmi({ nodeName: "n1", migrationState: inFlight });
  assert.equal(isAssignedTo(running, "n1"), true);
  assert.equal(isAssignedTo(running, "n2"), true);
  assert.equal(isAssignedTo(running, "n3"), false);
  assert.equal(migrationTargetNode(running), "n2");
  const done = vmi({ nodeName: "n2", migrationState: { ...inFlight, completed: true } });
  assert.equal(isAssignedTo(done, "n1"), false);
  assert.equal(isAssignedTo(undefined, "n1"), false);
});

Deno.test("isAssignedTo: a completed migration's target before nodeName switches, not a failed one's", () => {
  const completed = vmi({ nodeName: "n1", migrationState: { ...inFlight, completed: true } });
  assert.equal(isAssignedTo(completed, "n1"), true);
  assert.equal(isAssignedTo(completed, "n2"), true);
  const failed = vmi({ nodeName: "n1", migrationState: { ...inFlight, failed: true } });
  assert.equal(isAssignedTo(failed, "n1"), true);
  assert.equal(isAssignedTo(failed, "n2"), false);
});
