import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import { Store } from "../../lib/cache.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import {
  LifecycleConflictError,
  LifecycleNotFoundError,
  pauseVmi,
  unpauseVmi,
} from "./lifecycle.ts";

function setup(phase: string, domainState: "running" | "paused") {
  const vmis = new Store<VMI>();
  vmis.upsert({
    metadata: { namespace: "ns", name: "web", uid: "u" },
    spec: { domain: { devices: {} } },
    status: { phase, nodeName: "n1" },
  } as unknown as VMI);
  const calls: string[] = [];
  let state: string = domainState;
  const hypervisor = {
    state: () => Promise.resolve({ state, reason: 0, reasonName: "user" }),
    suspend: (d: string) => (calls.push(`suspend ${d}`), state = "paused", Promise.resolve()),
    resume: (d: string) => (calls.push(`resume ${d}`), state = "running", Promise.resolve()),
  } as unknown as Hypervisor;
  const enqueued: string[] = [];
  return {
    ctx: { node: "n1", vmis, hypervisor, enqueue: (k: string) => enqueued.push(k) },
    calls,
    enqueued,
  };
}

Deno.test("pauseVmi() suspends a Running VMI's domain and enqueues it, unpauseVmi() resumes it", async () => {
  const { ctx, calls, enqueued } = setup("Running", "running");
  await pauseVmi(ctx, "ns", "web");
  await unpauseVmi(ctx, "ns", "web");
  assert.deepEqual(calls, ["suspend ns_web", "resume ns_web"]);
  assert.deepEqual(enqueued, ["ns/web", "ns/web"]);
});

Deno.test("pauseVmi() refuses a paused, a not running and an unknown VMI with the API's errors", async () => {
  await assert.rejects(
    pauseVmi(setup("Running", "paused").ctx, "ns", "web"),
    LifecycleConflictError,
  );
  await assert.rejects(
    unpauseVmi(setup("Running", "running").ctx, "ns", "web"),
    LifecycleConflictError,
  );
  await assert.rejects(
    pauseVmi(setup("Scheduled", "running").ctx, "ns", "web"),
    /it is not running/,
  );
  await assert.rejects(
    pauseVmi(setup("Running", "running").ctx, "ns", "other"),
    LifecycleNotFoundError,
  );
});

Deno.test("pauseVmi() and unpauseVmi() record virt-handler's Paused and Unpaused Events, none when refused", async () => {
  const { ctx } = setup("Running", "running");
  const recorded: string[] = [];
  const events = {
    normal: (vmi: VMI, reason: string, message: string) => {
      recorded.push(`${vmi.metadata.name} ${reason}: ${message}`);
      return Promise.resolve();
    },
  };
  await pauseVmi({ ...ctx, events }, "ns", "web");
  await assert.rejects(pauseVmi({ ...ctx, events }, "ns", "web"), LifecycleConflictError);
  await unpauseVmi({ ...ctx, events }, "ns", "web");
  assert.deepEqual(recorded, [
    "web Paused: VirtualMachineInstance paused",
    "web Unpaused: VirtualMachineInstance unpaused",
  ]);
});
