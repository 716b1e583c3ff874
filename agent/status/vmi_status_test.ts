import assert from "node:assert/strict";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { runningStatus } from "./vmi_status.ts";

const NOW = "2026-12-06T19:00:00Z";

function vmi(volumes: unknown[], conditions: unknown[] = []): VirtualMachineInstance {
  return {
    metadata: { name: "web", namespace: "ns" },
    spec: { domain: { devices: {} }, volumes },
    status: { phase: "Scheduled", nodeName: "n1", conditions },
  } as unknown as VirtualMachineInstance;
}

const dataVolumesReady = (status: ReturnType<typeof runningStatus>) =>
  status.conditions?.find((c) => c.type === "DataVolumesReady");

Deno.test("runningStatus() turns DataVolumesReady True once the domain runs on its DataVolumes", () => {
  const waiting = {
    type: "DataVolumesReady",
    status: "False",
    reason: "NotAllDVsReady",
    message: "Not all of the VMI's DVs are ready",
  };
  const status = runningStatus(
    vmi([{ name: "root", dataVolume: { name: "web-root" } }], [waiting]),
    undefined,
    undefined,
    undefined,
    NOW,
  );
  assert.equal(dataVolumesReady(status)?.status, "True");
  assert.equal(dataVolumesReady(status)?.reason, "AllDVsReady");
  const none = runningStatus(
    vmi([{ name: "root", containerDisk: { image: "x" } }]),
    undefined,
    undefined,
    undefined,
    NOW,
  );
  assert.equal(dataVolumesReady(none), undefined);
});
