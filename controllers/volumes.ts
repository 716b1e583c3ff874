/** The claims and DataVolumes a VMI spec uses, and what their state means for starting it. */
import {
  claimNamesOf,
  dataVolumeNamesOf,
  type DataVolumePhase,
  type PersistentVolumeClaim,
  type VirtualMachineInstanceSpec,
} from "../api/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { hasCondition } from "../api/conditions.ts";

/** The fields of a cdi.kubevirt.io DataVolume read here. */
export interface DataVolumeObject extends KubeObject {
  status?: {
    phase?: DataVolumePhase | string;
    conditions?: Array<{ type: string; status: "True" | "False" | "Unknown"; reason?: string }>;
  };
}

/** Claims and DataVolumes of one namespace, by name (from the caches, or fixtures in tests). */
export interface VolumeView {
  claim(name: string): PersistentVolumeClaim | undefined;
  dataVolume(name: string): DataVolumeObject | undefined;
}

/** A view with nothing in it: for callers that do not look at volumes. */
export const NO_VOLUMES: VolumeView = { claim: () => undefined, dataVolume: () => undefined };

/** DataVolume phases in which its PVC is usable, or will be once a pod consumes it. */
const DV_READY = new Set(["Succeeded", "WaitForFirstConsumer", "PendingPopulation"]);

/** Whether a DataVolume in `phase` may be handed to a VMI (its launcher pod may be the consumer). */
export const isDataVolumeReady = (phase: string | undefined): boolean => DV_READY.has(phase ?? "");

/**
 * A DataVolume of the spec is still being filled (KubeVirt's HasDataVolumeProvisioning): any
 * phase but Succeeded, PendingPopulation and Failed, and no status yet; WaitForFirstConsumer only
 * once bound. A Pending DataVolume whose claim waits for binding is not provisioning but waiting
 * for its volume (WaitingForVolumeBinding).
 */
export function hasDataVolumeProvisioning(
  spec: VirtualMachineInstanceSpec | undefined,
  view: VolumeView,
): boolean {
  return dataVolumeNamesOf(spec?.volumes).some((name) => {
    const dv = view.dataVolume(name);
    if (!dv) return false;
    const phase = dv.status?.phase ?? "";
    if (phase === "Succeeded" || phase === "PendingPopulation" || phase === "Failed") return false;
    const bound = hasCondition(dv.status?.conditions, "Bound", "True");
    if (phase === "WaitForFirstConsumer") return bound;
    if (phase === "Pending" && !bound && view.claim(name)?.status?.phase === "Pending") {
      return false;
    }
    return true;
  });
}

/** Running-condition reasons that KubeVirt reports as a DataVolume error while it retries. */
const RUNNING_ERRORS = new Set(["Error", "ImagePullFailed"]);

/** A DataVolume of the spec failed, or its import stopped on an error (KubeVirt's HasDataVolumeErrors). */
export function hasDataVolumeError(
  spec: VirtualMachineInstanceSpec | undefined,
  view: VolumeView,
): boolean {
  return dataVolumeNamesOf(spec?.volumes).some((name) => {
    const status = view.dataVolume(name)?.status;
    if (status?.phase === "Failed") return true;
    const running = status?.conditions?.find((c) => c.type === "Running");
    return running?.status === "False" && RUNNING_ERRORS.has(running.reason ?? "");
  });
}

/** A claim of the spec exists but is not bound yet. */
export function hasUnboundClaim(
  spec: VirtualMachineInstanceSpec | undefined,
  view: VolumeView,
): boolean {
  return claimNamesOf(spec?.volumes).some((name) => view.claim(name)?.status?.phase === "Pending");
}

/**
 * Why a launcher pod cannot be made yet: `missing` names a claim that exists neither as a PVC
 * nor as a DataVolume; `waiting` names DataVolumes still being filled.
 */
export function volumesBlockingStart(
  spec: VirtualMachineInstanceSpec | undefined,
  view: VolumeView,
): { missing: string[]; waiting: string[]; failed: string[] } {
  const dataVolumes = new Set(dataVolumeNamesOf(spec?.volumes));
  const missing: string[] = [];
  const waiting: string[] = [];
  const failed: string[] = [];
  for (const name of claimNamesOf(spec?.volumes)) {
    const dv = dataVolumes.has(name) ? view.dataVolume(name) : undefined;
    if (dv) {
      const phase = dv.status?.phase ?? "";
      if (phase === "Failed") failed.push(name);
      else if (!isDataVolumeReady(phase)) waiting.push(name);
      continue;
    }
    if (!view.claim(name)) missing.push(name);
  }
  return { missing, waiting, failed };
}
