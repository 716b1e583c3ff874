/** The VM's STATUS column (`status.printableStatus`), decided as KubeVirt's setPrintableStatus does. */
import {
  hasStartRequest,
  isFinished,
  type RunStrategy,
  type VirtualMachine,
  type VirtualMachineInstance,
  type VirtualMachinePrintableStatus,
} from "../../api/mod.ts";
import { hasCondition } from "../../api/conditions.ts";
import {
  hasDataVolumeError,
  hasDataVolumeProvisioning,
  hasUnboundClaim,
  NO_VOLUMES,
  type VolumeView,
} from "../volumes.ts";
import { hasStopRequestFor } from "./run_strategy.ts";

/** What else the status depends on besides the VM and its VMI. */
export interface PrintableInputs {
  /** A VMI create is under way (KubeVirt: an expected creation). */
  starting?: boolean;
  /** A VMI delete is under way (KubeVirt: an expected deletion). */
  stopping?: boolean;
  /** The run strategy; undefined when the spec has none that can be read. */
  runStrategy?: RunStrategy;
  volumes?: VolumeView;
  /** DataVolumes of the VM's templates are being created (they count as provisioning). */
  creatingDataVolumes?: boolean;
}

type Check = (
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  i: PrintableInputs,
) => boolean;

const phaseOf = (vmi: VirtualMachineInstance | undefined) => vmi?.status?.phase ?? "";
const paused = (vmi: VirtualMachineInstance | undefined) =>
  hasCondition(vmi?.status?.conditions, "Paused", "True");
const synchronizedFalse = (vmi: VirtualMachineInstance | undefined, reason: string) =>
  hasCondition(vmi?.status?.conditions, "Synchronized", "False", reason);

/** KubeVirt's isSetToStart: the strategy wants a VMI now. */
function setToStart(vm: VirtualMachine, vmi: VirtualMachineInstance | undefined, s?: RunStrategy) {
  switch (s) {
    case "Always":
      return true;
    case "Manual":
      return vmi ? !hasStopRequestFor(vm, vmi) : hasStartRequest(vm);
    case "RerunOnFailure":
      return vmi ? phaseOf(vmi) !== "Succeeded" : true;
    case "Once":
      return !vmi;
    default:
      return false;
  }
}

function migrating(vmi: VirtualMachineInstance | undefined): boolean {
  const state = vmi?.status?.migrationState;
  return !!state?.startTimestamp && !state.completed && !state.failed;
}

/** First match wins, in KubeVirt's order. */
const CHECKS: Array<[VirtualMachinePrintableStatus, Check]> = [
  ["Terminating", (vm) => !!vm.metadata.deletionTimestamp],
  [
    "Stopping",
    (_, vmi, i) =>
      !!vmi && !isFinished(vmi.status?.phase) && (!!vmi.metadata.deletionTimestamp || !!i.stopping),
  ],
  ["Migrating", (_, vmi) => migrating(vmi)],
  ["Paused", (_, vmi) => phaseOf(vmi) === "Running" && paused(vmi)],
  ["Running", (_, vmi) => phaseOf(vmi) === "Running" && !paused(vmi)],
  ["ErrorPvcNotFound", (_, vmi) => synchronizedFalse(vmi, "FailedPvcNotFound")],
  [
    "DataVolumeError",
    (vm, _, i) => hasDataVolumeError(vm.spec.template.spec, i.volumes ?? NO_VOLUMES),
  ],
  [
    "ErrorUnschedulable",
    (_, vmi) => hasCondition(vmi?.status?.conditions, "PodScheduled", "False", "Unschedulable"),
  ],
  [
    "Provisioning",
    (vm, _, i) =>
      !!i.creatingDataVolumes ||
      hasDataVolumeProvisioning(vm.spec.template.spec, i.volumes ?? NO_VOLUMES),
  ],
  ["WaitingForVolumeBinding", (vm, vmi, i) =>
    setToStart(vm, vmi, i.runStrategy) &&
    hasUnboundClaim(vm.spec.template.spec, i.volumes ?? NO_VOLUMES)],
  // A kubelet's ErrImageNeverPull (policy Never, image not on the node) is a failed pull too.
  [
    "ErrImagePull",
    (_, vmi) =>
      synchronizedFalse(vmi, "ErrImagePull") || synchronizedFalse(vmi, "ErrImageNeverPull"),
  ],
  ["ImagePullBackOff", (_, vmi) => synchronizedFalse(vmi, "ImagePullBackOff")],
  [
    "Starting",
    (_, vmi, i) =>
      vmi ? ["", "Pending", "Scheduling", "Scheduled"].includes(phaseOf(vmi)) : !!i.starting,
  ],
  ["CrashLoopBackOff", (vm, vmi, i) =>
    (!vmi || isFinished(vmi.status?.phase)) && !i.starting &&
    (vm.status?.startFailure?.consecutiveFailCount ?? 0) > 0 &&
    (i.runStrategy === "Always" || i.runStrategy === "RerunOnFailure" || i.runStrategy === "Once")],
  ["Stopped", (_, vmi, i) => vmi ? isFinished(vmi.status?.phase) : !i.starting],
  ["WaitingForReceiver", (_, vmi, i) => !vmi && i.runStrategy === "WaitAsReceiver"],
];

/** The printable status of `vm` with its VMI (the VM's status fields must be the new ones). */
export function printableStatusOf(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  inputs: PrintableInputs = {},
): VirtualMachinePrintableStatus {
  for (const [status, check] of CHECKS) if (check(vm, vmi, inputs)) return status;
  return "Unknown";
}
