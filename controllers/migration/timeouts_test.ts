import assert from "node:assert/strict";
import type { VMIM } from "../../api/mod.ts";
import { pendingTimeoutsFrom } from "./timeouts.ts";

const vmim = (annotations: Record<string, string> = {}): VMIM => ({
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachineInstanceMigration",
  metadata: { name: "m", annotations },
  spec: { vmiName: "web" },
});

Deno.test("pendingTimeoutsFrom() prefers the migration's annotations, then the settings, then KubeVirt's", () => {
  assert.deepEqual(pendingTimeoutsFrom(vmim(), undefined), {
    unschedulableSeconds: 300,
    pendingSeconds: 900,
  });
  const settings = {
    migrationUnschedulablePodTimeoutSeconds: "20",
    migrationPendingPodTimeoutSeconds: "60",
  };
  assert.deepEqual(pendingTimeoutsFrom(vmim(), settings), {
    unschedulableSeconds: 20,
    pendingSeconds: 60,
  });
  const own = vmim({ "kubevirt.io/migrationUnschedulablePodTimeoutSeconds": "5" });
  assert.deepEqual(pendingTimeoutsFrom(own, settings), {
    unschedulableSeconds: 5,
    pendingSeconds: 60,
  });
  const bad = vmim({ "kubevirt.io/migrationPendingPodTimeoutSeconds": "soon" });
  assert.equal(
    pendingTimeoutsFrom(bad, { migrationPendingPodTimeoutSeconds: "x" }).pendingSeconds,
    900,
  );
});
