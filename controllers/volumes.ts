/** The claims and DataVolumes a VMI spec uses, and what their state means for starting it. */
import type { DataVolumePhase, VirtualMachineInstanceSpec } from "../api/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";

/** The fields of a core/v1 PersistentVolumeClaim read here. */
export interface PersistentVolumeClaim extends KubeObject {
  status?: { phase?: "Pending" | "Bound" | "Lost" | string };
}

/** The fields of a cdi.kubevirt.io DataVolume read here. */
export interface DataVolumeObject extends KubeObject {
  status?: { phase?: DataVolumePhase | string };
}

/** Claims and DataVolumes of one namespace, by name (from the caches, or fixtures in tests). */
export interface VolumeView {
  claim(name: string): PersistentVolumeClaim | undefined;
  dataVolume(name: string): DataVolumeObject | undefined;
}

/** A view with nothing in it: for callers that do not look at volumes. */
export const NO_VOLUMES: VolumeView = { claim: () => undefined, dataVolume: () => undefined };

/** Names of the PVCs the spec mounts (a DataVolume's PVC has the DataVolume's name). */
export function claimNamesOf(spec: VirtualMachineInstanceSpec | undefined): string[] {
  const names = (spec?.volumes ?? []).map((v) =>
    v.persistentVolumeClaim?.claimName ?? v.ephemeral?.persistentVolumeClaim?.claimName ??
      v.dataVolume?.name
  );
  return names.filter((n): n is string => !!n);
}

/** Names of the DataVolumes the spec mounts. */
export function dataVolumeNamesOf(spec: VirtualMachineInstanceSpec | undefined): string[] {
  return (spec?.volumes ?? []).map((v) => v.dataVolume?.name).filter((n): n is string => !!n);
}

/** DataVolume phases in which its PVC is usable, or will be once a pod consumes it. */
const DV_READY = new Set(["Succeeded", "WaitForFirstConsumer", "PendingPopulation"]);

/** A DataVolume of the spec is still being filled. */
export function hasDataVolumeProvisioning(
  spec: VirtualMachineInstanceSpec | undefined,
  view: VolumeView,
): boolean {
  return dataVolumeNamesOf(spec).some((name) => {
    const phase = view.dataVolume(name)?.status?.phase;
    return phase !== undefined && !DV_READY.has(phase) && phase !== "Failed";
  });
}

/** A DataVolume of the spec failed. */
export function hasDataVolumeError(
  spec: VirtualMachineInstanceSpec | undefined,
  view: VolumeView,
): boolean {
  return dataVolumeNamesOf(spec).some((name) => view.dataVolume(name)?.status?.phase === "Failed");
}

/** A claim of the spec exists but is not bound yet. */
export function hasUnboundClaim(
  spec: VirtualMachineInstanceSpec | undefined,
  view: VolumeView,
): boolean {
  return claimNamesOf(spec).some((name) => view.claim(name)?.status?.phase === "Pending");
}

/**
 * Why a launcher pod cannot be made yet: `missing` names a claim that exists neither as a PVC
 * nor as a DataVolume; `waiting` names DataVolumes still being filled.
 */
export function volumesBlockingStart(
  spec: VirtualMachineInstanceSpec | undefined,
  view: VolumeView,
): { missing: string[]; waiting: string[]; failed: string[] } {
  const dataVolumes = new Set(dataVolumeNamesOf(spec));
  const missing: string[] = [];
  const waiting: string[] = [];
  const failed: string[] = [];
  for (const name of claimNamesOf(spec)) {
    const dv = dataVolumes.has(name) ? view.dataVolume(name) : undefined;
    if (dv) {
      const phase = dv.status?.phase ?? "";
      if (phase === "Failed") failed.push(name);
      else if (!DV_READY.has(phase)) waiting.push(name);
      continue;
    }
    if (!view.claim(name)) missing.push(name);
  }
  return { missing, waiting, failed };
}
