/** A VM's status from its VMI and what this pass did: KubeVirt's updateStatus, pure. */
import {
  type Condition,
  type RunStrategy,
  type VirtualMachine,
  type VirtualMachineInstance,
  type VirtualMachineStatus,
  VM_GENERATION_ANNOTATION,
} from "../../api/mod.ts";
import { conditionOf, timestamp, withCondition, withoutCondition } from "../../api/conditions.ts";
import { NO_VOLUMES, type VolumeView } from "../volumes.ts";
import { nextStartFailure } from "./crashloop.ts";
import type { VmiAction } from "./desired.ts";
import { printableStatusOf } from "./printable_status.ts";
import { firstRequestDone } from "./run_strategy.ts";
import { pendingVolumeRequests } from "./volume_requests.ts";
import { withInstancetypeStatusRefs } from "./instancetype_status.ts";

/** Why a pass failed, as the Failure condition tells it. */
export interface SyncError {
  reason: string;
  message: string;
}

/** Everything the status depends on. */
export interface VmStatusInputs {
  vm: VirtualMachine;
  /** The VM's own VMI as observed at the start of the pass. */
  vmi: VirtualMachineInstance | undefined;
  /** Undefined when the spec has no readable run strategy. */
  runStrategy: RunStrategy | undefined;
  /** What the pass did (or tried) about the VMI. */
  action: VmiAction;
  /** A start request was queued by this pass (RerunOnFailure after a failure). */
  appendStartRequest: boolean;
  /** Undefined after a successful pass. */
  error: SyncError | undefined;
  volumes?: VolumeView;
  /** DataVolumes of the templates are being created by this pass. */
  creatingDataVolumes?: boolean;
  now: number;
  random?: () => number;
}

/** VMI conditions a VM does not copy (it has its own of these types). */
const NOT_COPIED = new Set(["Ready", "Failure", "RestartRequired"]);

/** The VM's Ready condition, mirrored from the VMI's. */
function readyCondition(vmi: VirtualMachineInstance | undefined): Condition {
  if (!vmi) {
    return {
      type: "Ready",
      status: "False",
      reason: "VMINotExists",
      message: "VMI does not exist",
    };
  }
  const ready = conditionOf(vmi.status?.conditions, "Ready");
  if (!ready) {
    return {
      type: "Ready",
      status: "False",
      reason: "VMIConditionMissing",
      message: "VMI is missing the Ready condition",
    };
  }
  return { ...ready };
}

function syncConditions(
  current: Condition[] | undefined,
  vmi: VirtualMachineInstance | undefined,
  error: SyncError | undefined,
  now: string,
): Condition[] {
  let conditions = withCondition(current, readyCondition(vmi), now);
  conditions = error
    ? withCondition(conditions, { type: "Failure", status: "True", ...error }, now)
    : withoutCondition(conditions, "Failure");
  if (!vmi) return conditions;
  const copied = new Set<string>();
  for (const c of vmi.status?.conditions ?? []) {
    if (NOT_COPIED.has(c.type)) continue;
    copied.add(c.type);
    conditions = withCondition(conditions, { ...c }, now);
  }
  return conditions.filter((c) => NOT_COPIED.has(c.type) || copied.has(c.type));
}

/** The generation the VMI was made from (its annotation), else the VM's own. */
function generationOf(vm: VirtualMachine, vmi: VirtualMachineInstance | undefined): number {
  const annotated = Number(vmi?.metadata.annotations?.[VM_GENERATION_ANNOTATION]);
  return Number.isInteger(annotated) && annotated > 0 ? annotated : vm.metadata.generation ?? 0;
}

/** The status to write for `inputs.vm`; equal to the current one when nothing changed. */
export function vmStatusOf(inputs: VmStatusInputs): VirtualMachineStatus {
  const { vm, vmi, runStrategy, action, error, now } = inputs;
  const status: VirtualMachineStatus = structuredClone(vm.status ?? {});
  const at = timestamp(now);
  status.created = !!vmi;
  status.ready = conditionOf(vmi?.status?.conditions, "Ready")?.status === "True";
  // Recorded once a VMI has existed, so that a later pass can tell a VM started before.
  if (runStrategy && (status.runStrategy || status.created)) status.runStrategy = runStrategy;

  const requests = [...(status.stateChangeRequests ?? [])];
  if (firstRequestDone(vm, vmi)) requests.shift();
  if (inputs.appendStartRequest && !error) requests.push({ action: "Start" });
  if (requests.length) status.stateChangeRequests = requests;
  else delete status.stateChangeRequests;

  withInstancetypeStatusRefs(vm, status);
  const volumeRequests = pendingVolumeRequests(vm);
  if (volumeRequests.length) status.volumeRequests = volumeRequests;
  else delete status.volumeRequests;

  if (runStrategy) {
    const startFailure = nextStartFailure(vm, vmi, runStrategy, now, inputs.random);
    if (startFailure) status.startFailure = startFailure;
    else delete status.startFailure;
  }
  status.conditions = syncConditions(status.conditions, vmi, error, at);
  const withNew = { ...vm, status };
  status.printableStatus = printableStatusOf(withNew, vmi, {
    starting: action.kind === "create" && !error,
    stopping: action.kind === "delete" && !error,
    ...(runStrategy ? { runStrategy } : {}),
    volumes: inputs.volumes ?? NO_VOLUMES,
    creatingDataVolumes: !!inputs.creatingDataVolumes,
  });
  if (!error) {
    status.observedGeneration = generationOf(vm, vmi);
    status.desiredGeneration = vm.metadata.generation ?? 0;
  }
  return status;
}
