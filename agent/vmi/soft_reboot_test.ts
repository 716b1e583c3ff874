import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import type { ReadonlyStore } from "../../lib/cache.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import { LifecycleConflictError, LifecycleNotFoundError } from "./lifecycle.ts";
import { softRebootVmi } from "./soft_reboot.ts";

function context(vmi: VMI | undefined) {
  const reboots: Array<[string, boolean]> = [];
  const hypervisor = {
    reboot: (domain: string, options: { guestAgent: boolean }) => {
      reboots.push([domain, options.guestAgent]);
      return Promise.resolve();
    },
  } as unknown as Hypervisor;
  const vmis = { get: () => vmi } as unknown as ReadonlyStore<VMI>;
  return { ctx: { node: "n1", vmis, hypervisor, enqueue: () => {} }, reboots };
}

const running = (conditions: unknown[] = [], over: Record<string, unknown> = {}) =>
  ({
    metadata: { namespace: "ns", name: "vm" },
    status: { phase: "Running", nodeName: "n1", conditions },
    ...over,
  }) as unknown as VMI;

Deno.test("softRebootVmi() reboots through the guest agent when it is connected, else ACPI", async () => {
  const withAgent = context(running([{ type: "AgentConnected", status: "True" }]));
  await softRebootVmi(withAgent.ctx, "ns", "vm");
  assert.deepEqual(withAgent.reboots, [["ns_vm", true]]);
  const acpi = context(running());
  await softRebootVmi(acpi.ctx, "ns", "vm");
  assert.deepEqual(acpi.reboots, [["ns_vm", false]]);
});

Deno.test("softRebootVmi() refuses a VMI elsewhere, not running, or paused", async () => {
  await assert.rejects(softRebootVmi(context(undefined).ctx, "ns", "vm"), LifecycleNotFoundError);
  const elsewhere = running([], { status: { phase: "Running", nodeName: "n2" } });
  await assert.rejects(softRebootVmi(context(elsewhere).ctx, "ns", "vm"), LifecycleNotFoundError);
  const stopped = running([], { status: { phase: "Succeeded", nodeName: "n1" } });
  await assert.rejects(softRebootVmi(context(stopped).ctx, "ns", "vm"), /it is not running/);
  const paused = running([{ type: "Paused", status: "True" }]);
  await assert.rejects(
    softRebootVmi(context(paused).ctx, "ns", "vm"),
    (e) => e instanceof LifecycleConflictError && /it is paused/.test(e.message),
  );
});

Deno.test("softRebootVmi() records virt-handler's SoftRebooted Event", async () => {
  const { ctx } = context(running());
  const recorded: string[] = [];
  const events = {
    normal: (_vmi: VMI, reason: string, message: string) => {
      recorded.push(`${reason}: ${message}`);
      return Promise.resolve();
    },
  };
  await softRebootVmi({ ...ctx, events }, "ns", "vm");
  assert.deepEqual(recorded, ["SoftRebooted: VirtualMachineInstance soft rebooted"]);
});
