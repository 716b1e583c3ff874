import assert from "node:assert/strict";
import type { VirtualMachineInstance, VirtualMachineInstanceMigration } from "../../api/mod.ts";
import { webhookApp } from "../app.ts";
import { admit } from "../testdata/admit.ts";
import { goodMigration } from "../testdata/good_objects.ts";
import { fakeLookups } from "../testdata/reviews.ts";

type Status = NonNullable<VirtualMachineInstance["status"]>;

function vmi(status: Status, name = "web"): VirtualMachineInstance {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name, namespace: "default" },
    spec: { domain: { devices: {} } },
    status,
  };
}

const MIGRATABLE = { type: "LiveMigratable", status: "True" as const };
const running = (more: Partial<Status> = {}) =>
  vmi({ phase: "Running", nodeName: "node-a", conditions: [MIGRATABLE], ...more });

function migration(uid: string, phase?: string): VirtualMachineInstanceMigration {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceMigration",
    metadata: { name: `m-${uid}`, namespace: "default", uid },
    spec: { vmiName: "web" },
    ...(phase ? { status: { phase: phase as "Failed" } } : {}),
  };
}

async function verdict(
  vmis: VirtualMachineInstance[],
  migrations: VirtualMachineInstanceMigration[] = [],
  object = goodMigration(),
) {
  const app = webhookApp({ lookups: fakeLookups(vmis, migrations) });
  return await admit(app, object);
}

Deno.test("validateMigration() admits a migration of a running, live-migratable VMI", async () => {
  const { validation } = await verdict([running()], [migration("old", "Succeeded")]);
  assert.equal(validation.response.allowed, true, validation.response.status?.message);
});

Deno.test("validateMigration() refuses a migration as KubeVirt words it", async () => {
  const cases: Array<
    [string, VirtualMachineInstance[], VirtualMachineInstanceMigration[], string]
  > = [
    ["no VMI", [], [], 'the VMI "default/web" does not exist'],
    ["ended VMI", [running({ phase: "Succeeded" })], [], "Cannot migrate VMI in finalized state."],
    [
      "not migratable",
      [running({
        conditions: [{
          type: "LiveMigratable",
          status: "False",
          reason: "DisksNotLiveMigratable",
          message: "hostDisk is not shared",
        }],
      })],
      [],
      "Cannot migrate VMI, Reason: DisksNotLiveMigratable, Message: hostDisk is not shared",
    ],
    [
      "no condition",
      [running({ conditions: [] })],
      [],
      "Cannot migrate VMI, Reason: NotMigratable, Message: the VMI does not report the " +
      "LiveMigratable condition",
    ],
    [
      "unscheduled",
      [vmi({ phase: "Scheduling" })],
      [],
      "Cannot migrate VMI that is not running: its phase is Scheduling",
    ],
    [
      "another migration",
      [running()],
      [migration("first", "Scheduling")],
      "in-flight migration detected. Active migration job (first) is currently already in " +
      "progress for VMI web.",
    ],
    [
      "a libvirt job running",
      [running({
        migrationState: {
          migrationUid: "gone",
          targetNode: "node-b",
          startTimestamp: "2026-01-01T00:00:00Z",
        },
      })],
      [],
      "in-flight migration detected. Active migration job (gone) is currently already in " +
      "progress for VMI web.",
    ],
  ];
  for (const [what, vmis, migrations, message] of cases) {
    const { validation } = await verdict(vmis, migrations);
    assert.equal(validation.response.allowed, false, what);
    assert.equal(validation.response.status.code, 400, what);
    assert.equal(validation.response.status.message, message, what);
  }
});

Deno.test("validateMigration() refuses a missing vmiName and fields denovirt cannot honour", async () => {
  const object = { ...goodMigration(""), spec: { vmiName: "", priority: "system-critical" } };
  const { validation } = await verdict([running()], [], object);
  assert.equal(validation.response.allowed, false);
  assert.equal(validation.response.status.code, 422);
  assert.equal(
    validation.response.status.message,
    "spec.vmiName: vmiName is missing; spec.priority: not supported by denovirt",
  );
});

Deno.test("defaultMigration() labels a new migration with its VMI and adds the finalizer", async () => {
  const { mutated } = await verdict([running()]);
  const metadata = (mutated as VirtualMachineInstanceMigration).metadata;
  assert.deepEqual(metadata.labels, { "kubevirt.io/vmi-name": "web" });
  assert.deepEqual(metadata.finalizers, ["kubevirt.io/migrationJobFinalize"]);
});
