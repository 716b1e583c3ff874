import assert from "node:assert/strict";
import { StatusError } from "../lib/http/status.ts";
import type { VmiLike } from "./lifecycle.ts";
import { checkVnc } from "./vmi_checks.ts";

const vmi = (devices: { autoattachGraphicsDevice?: boolean }, phase?: string) =>
  ({
    metadata: { name: "web", namespace: "ns" },
    spec: { domain: { devices } },
    status: phase ? { phase } : {},
  }) as VmiLike;

const CASES: { name: string; vmi: VmiLike; code?: number; message?: string }[] = [
  { name: "passes a running VMI with the default graphics device", vmi: vmi({}, "Running") },
  {
    name: "passes a running VMI that asks for the graphics device",
    vmi: vmi({ autoattachGraphicsDevice: true }, "Running"),
  },
  {
    name: "refuses a VMI without a graphics device, even when it runs",
    vmi: vmi({ autoattachGraphicsDevice: false }, "Running"),
    code: 400,
    message: "No graphics devices are present.",
  },
  {
    name: "refuses a VMI that is not running yet",
    vmi: vmi({}, "Scheduled"),
    code: 400,
    message:
      "Unable to connect to VirtualMachineInstance because phase is Scheduled instead of Running",
  },
  {
    name: "calls a VMI without a phase Pending",
    vmi: vmi({}),
    code: 400,
    message:
      "Unable to connect to VirtualMachineInstance because phase is Pending instead of Running",
  },
];

for (const c of CASES) {
  Deno.test(`checkVnc() ${c.name}`, () => {
    if (c.code === undefined) return checkVnc(c.vmi);
    assert.throws(() => checkVnc(c.vmi), (error: unknown) => {
      assert.ok(error instanceof StatusError);
      assert.equal(error.status.code, c.code);
      assert.equal(error.status.message, c.message);
      return true;
    });
  });
}
