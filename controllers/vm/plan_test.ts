import assert from "node:assert/strict";
import { NO_VOLUMES } from "../volumes.ts";
import { planFor } from "./plan.ts";
import { NOW, vmFixture, vmiInPhase, vmWithStrategy } from "./testdata/fixtures.ts";

const FIN = "kubevirt.io/virtualMachineControllerFinalize";

Deno.test("planFor() adds the VM finalizer to a live VM and removes it once the VMI is gone", () => {
  const bare = vmFixture((vm) => vm.metadata.finalizers = []);
  assert.equal(planFor({ vm: bare, vmi: undefined, volumes: NO_VOLUMES }, NOW).finalizer, "add");
  const deleting = vmFixture((vm) => vm.metadata.deletionTimestamp = "x");
  assert.equal(
    planFor({ vm: deleting, vmi: vmiInPhase("Running"), volumes: NO_VOLUMES }, NOW).finalizer,
    undefined,
  );
  assert.equal(
    planFor({ vm: deleting, vmi: undefined, volumes: NO_VOLUMES }, NOW).finalizer,
    "remove",
  );
});

Deno.test("planFor() releases an ended VMI's VM-controller finalizer, not a running one's", () => {
  const vm = vmWithStrategy("Manual");
  assert.equal(
    planFor({ vm, vmi: vmiInPhase("Failed"), volumes: NO_VOLUMES }, NOW).releaseVmi,
    true,
  );
  assert.equal(
    planFor({ vm, vmi: vmiInPhase("Running"), volumes: NO_VOLUMES }, NOW).releaseVmi,
    false,
  );
  const released = vmiInPhase(
    "Failed",
    (v) => v.metadata.finalizers = [FIN.replace("kubevirt", "x")],
  );
  assert.equal(planFor({ vm, vmi: released, volumes: NO_VOLUMES }, NOW).releaseVmi, false);
});

Deno.test("planFor() releases a deleted VMI once its finalizer is the last one, whatever its phase", () => {
  const vm = vmWithStrategy("Always");
  const deleted = (finalizers: string[]) =>
    vmiInPhase("Running", (v) => {
      v.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
      v.metadata.finalizers = finalizers;
    });
  assert.equal(planFor({ vm, vmi: deleted([FIN]), volumes: NO_VOLUMES }, NOW).releaseVmi, true);
  assert.equal(
    planFor({ vm, vmi: deleted([FIN, "denovirt.io/agent-teardown"]), volumes: NO_VOLUMES }, NOW)
      .releaseVmi,
    false,
    "the agent still holds it",
  );
});

Deno.test("planFor() leaves a VMI of the VM's name that another owner controls alone, and says so", () => {
  const foreign = vmiInPhase("Running", (v) => v.metadata.ownerReferences![0]!.uid = "another-vm");
  const p = planFor({ vm: vmWithStrategy("Halted"), vmi: foreign, volumes: NO_VOLUMES }, NOW);
  assert.equal(p.desired.action.kind, "keep");
  assert.equal(p.vmi, undefined);
  assert.match(p.problem?.message ?? "", /exists and is not controlled by this VM/);
  const orphan = vmiInPhase("Running", (v) => delete v.metadata.ownerReferences);
  assert.ok(
    planFor({ vm: vmWithStrategy("Always"), vmi: orphan, volumes: NO_VOLUMES }, NOW).problem,
  );
});

Deno.test("planFor() reads running: true as Always and running: false as Halted", () => {
  const running = vmFixture((vm) => {
    delete vm.spec.runStrategy;
    vm.spec.running = true;
  });
  const up = planFor({ vm: running, vmi: undefined, volumes: NO_VOLUMES }, NOW);
  assert.equal(up.runStrategy, "Always");
  assert.equal(up.desired.action.kind, "create");
  const stopped = vmFixture((vm) => {
    delete vm.spec.runStrategy;
    vm.spec.running = false;
  });
  const down = planFor({ vm: stopped, vmi: vmiInPhase("Running"), volumes: NO_VOLUMES }, NOW);
  assert.equal(down.runStrategy, "Halted");
  assert.equal(down.desired.action.kind, "delete");
});

Deno.test("planFor() reports running together with runStrategy, and WaitAsReceiver, as problems", () => {
  const both = vmFixture((vm) => vm.spec.running = true);
  const p = planFor({ vm: both, vmi: undefined, volumes: NO_VOLUMES }, NOW);
  assert.equal(p.runStrategy, undefined);
  assert.match(p.problem?.message ?? "", /mutually exclusive/);
  const receiver = planFor({
    vm: vmWithStrategy("WaitAsReceiver"),
    vmi: undefined,
    volumes: NO_VOLUMES,
  }, NOW);
  assert.match(receiver.problem?.message ?? "", /WaitAsReceiver is not supported/);
});

Deno.test("planFor() makes the template DataVolumes and creates the VMI only once they can be used", () => {
  const withTemplate = (strategy: "Always" | "Halted") =>
    vmWithStrategy(strategy, (vm) => {
      vm.spec.dataVolumeTemplates = [{
        metadata: { name: "root" },
        spec: { source: { blank: {} }, storage: { resources: { requests: { storage: "1Gi" } } } },
      }];
      vm.spec.template.spec.volumes = [{ name: "rootdisk", dataVolume: { name: "root" } }];
    });
  const dvs = (phase: string | undefined, ownerUid = "0b6d3b6e-6f0e-4c34-9a59-2a3c7f0e1a01") => ({
    claim: () => undefined,
    dataVolume: (name: string) =>
      phase === undefined ? undefined : {
        metadata: {
          name,
          ownerReferences: [{
            apiVersion: "kubevirt.io/v1",
            kind: "VirtualMachine",
            name: "testvm",
            uid: ownerUid,
            controller: true,
          }],
        },
        status: { phase },
      },
  });
  const cases: Array<[string, "Always" | "Halted", ReturnType<typeof dvs>, string, number]> = [
    ["no DataVolume yet", "Always", dvs(undefined), "keep", 1],
    ["a halted VM gets its DataVolumes too", "Halted", dvs(undefined), "keep", 1],
    ["importing", "Always", dvs("ImportInProgress"), "keep", 0],
    ["failed", "Always", dvs("Failed"), "keep", 0],
    ["waiting for its first consumer", "Always", dvs("WaitForFirstConsumer"), "create", 0],
    ["succeeded", "Always", dvs("Succeeded"), "create", 0],
  ];
  for (const [what, strategy, volumes, action, creates] of cases) {
    const plan = planFor({ vm: withTemplate(strategy), vmi: undefined, volumes }, NOW);
    assert.equal(plan.desired.action.kind, action, what);
    assert.equal(plan.dataVolumes.create.length, creates, what);
    assert.equal(plan.dataVolumeError, undefined, what);
  }
  const foreign = planFor({
    vm: withTemplate("Always"),
    vmi: undefined,
    volumes: dvs("Succeeded", "another-vm"),
  }, NOW);
  assert.equal(foreign.desired.action.kind, "keep");
  assert.equal(foreign.dataVolumeError?.reason, "FailedDataVolumeCreate");
  assert.match(
    foreign.dataVolumeError?.message ?? "",
    /DataVolume default\/root exists and is controlled by another owner/,
  );
});
