/** Migrations, VMIs and pods for the migration planners' table tests. */
import type { MigrationState, Pod, VMI, VMIM } from "../../../api/mod.ts";
import { boundPod, podFixture, vmiFixture } from "../../vmi/testdata/fixtures.ts";
import type { MigrationObserved } from "../pass.ts";
import { DEFAULT_PENDING_TIMEOUTS } from "../pending_timeout.ts";
import { targetPodFor } from "../target_pod.ts";

export const LAUNCHER = { image: "registry.k8s.io/pause:3.10" };
export const MIG_UID = "9a1f0000-0000-4000-8000-000000000001";

/** The migration `prod/kubevirt-migrate-vm-abcde` of VMI `web`, labelled and held, as edited. */
export function vmim(edit: (m: VMIM) => void = () => {}): VMIM {
  const m: VMIM = {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceMigration",
    metadata: {
      name: "kubevirt-migrate-vm-abcde",
      namespace: "prod",
      uid: MIG_UID,
      labels: { "kubevirt.io/vmi-name": "web" },
      finalizers: ["kubevirt.io/migrationJobFinalize"],
    },
    spec: { vmiName: "web" },
  };
  edit(m);
  return m;
}

/** The migration in `phase`. */
export const inPhase = (phase: NonNullable<VMIM["status"]>["phase"]): VMIM =>
  vmim((m) => m.status = { phase });

/** The fixture VMI running on node-a, with `state` as its migration record. */
export function runningVmi(state?: MigrationState, edit: (v: VMI) => void = () => {}): VMI {
  return vmiFixture("Running", (v) => {
    v.status!.nodeName = "node-a";
    if (state) v.status!.migrationState = state;
    edit(v);
  });
}

/** The VMI's launcher pod on node-a. */
export const sourcePod = (): Pod => boundPod("node-a");

/** The target pod of the migration, bound to `node` (unbound when undefined). */
export function targetPod(node?: string, edit: (p: Pod) => void = () => {}): Pod {
  const pod = targetPodFor(runningVmi(), vmim(), LAUNCHER);
  pod.metadata!.uid = "target-uid";
  pod.metadata!.creationTimestamp = "2026-01-01T00:00:00Z";
  pod.status = node
    ? { phase: "Running", conditions: [{ type: "PodScheduled", status: "True" }] }
    : {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
    };
  if (node) pod.spec!.nodeName = node;
  edit(pod);
  return pod;
}

/** A pass that sees a new migration of the running VMI and its source pod, as overridden. */
export function observed(over: Partial<MigrationObserved>): MigrationObserved {
  return {
    vmim: vmim(),
    vmi: runningVmi(),
    pods: [sourcePod()],
    others: [],
    timeouts: DEFAULT_PENDING_TIMEOUTS,
    ...over,
  };
}

/** The VMI's record of the migration once it was handed to the agents (node-a -> node-b). */
export const record: MigrationState = {
  migrationUid: MIG_UID,
  sourceNode: "node-a",
  sourcePod: podFixture().metadata!.name!,
  targetNode: "node-b",
  targetPod: targetPod("node-b").metadata!.name!,
};
