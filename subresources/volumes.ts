/**
 * The `addvolume` and `removevolume` subresources, as virt-api's (pkg/virt-api/rest): on a VMI
 * the volume goes straight into its spec (gone when the VMI ends); on a VM it is queued in
 * `status.volumeRequests`, which the VM controller applies to the template and the running VMI.
 * Pure: request bodies, checks and the JSON Patches to send.
 */
import {
  type AddVolumeOptions,
  type Disk,
  hotplugDisabledProblem,
  hotplugDiskProblem,
  type RemoveVolumeOptions,
  type VirtualMachineInstanceSpec,
  type Volume,
  volumeNameOf,
  type VolumeRequest,
  volumesPatchOf,
  withVolumeRequest,
} from "../api/mod.ts";
import { badRequest, conflict, type KubevirtResource } from "../lib/http/status.ts";
import type { JsonPatch, PatchStep, VmiLike, VmLike } from "./lifecycle.ts";
import { isDryRun, optionsBodyOf } from "./options_body.ts";

/** A parsed request and whether it is a dry run. */
export interface VolumeCall {
  request: VolumeRequest;
  dryRun: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function bodyOf(body: string): Record<string, unknown> {
  if (!body.trim()) {
    throw badRequest("Request with no body, a new name is expected as the request body");
  }
  return optionsBodyOf(body);
}

/** AddVolumeOptions from a request body; 400 as virt-api answers for a missing part. */
export function addVolumeCallOf(body: string): VolumeCall {
  const raw = bodyOf(body);
  if (typeof raw.name !== "string" || raw.name === "") {
    throw badRequest("AddVolumeOptions requires name to be set");
  }
  if (!isObject(raw.disk)) throw badRequest("AddVolumeOptions requires disk to not be nil");
  if (!isObject(raw.volumeSource)) {
    throw badRequest("AddVolumeOptions requires VolumeSource to not be nil");
  }
  const source = raw.volumeSource;
  const dv = source.dataVolume;
  const pvc = source.persistentVolumeClaim;
  if (isObject(dv) === isObject(pvc)) {
    throw badRequest(
      "AddVolumeOptions requires VolumeSource to set one of dataVolume or persistentVolumeClaim",
    );
  }
  const options: AddVolumeOptions = {
    name: raw.name,
    disk: { ...(raw.disk as Disk), name: raw.name },
    volumeSource: isObject(dv)
      ? { dataVolume: { ...(dv as { name: string }), hotpluggable: true } }
      : {
        persistentVolumeClaim: { ...(pvc as { claimName: string }), hotpluggable: true },
      },
    ...(Array.isArray(raw.dryRun) ? { dryRun: raw.dryRun as string[] } : {}),
  };
  return { request: { addVolumeOptions: options }, dryRun: isDryRun(raw) };
}

/** RemoveVolumeOptions from a request body. */
export function removeVolumeCallOf(body: string): VolumeCall {
  const raw = bodyOf(body);
  if (typeof raw.name !== "string" || raw.name === "") {
    throw badRequest("RemoveVolumeOptions requires name to be set");
  }
  const options: RemoveVolumeOptions = {
    name: raw.name,
    ...(Array.isArray(raw.dryRun) ? { dryRun: raw.dryRun as string[] } : {}),
  };
  return { request: { removeVolumeOptions: options }, dryRun: isDryRun(raw) };
}

function sourceNameOf(volume: Volume): string | undefined {
  return volume.dataVolume?.name ?? volume.persistentVolumeClaim?.claimName;
}

/** virt-api's verifyVolumeOption: an add needs a new name and source, a remove a hotplugged volume. */
export function verifyVolumeRequest(
  volumes: readonly Volume[],
  request: VolumeRequest,
): string | undefined {
  const add = request.addVolumeOptions;
  if (add) {
    const source = add.volumeSource.dataVolume?.name ??
      add.volumeSource.persistentVolumeClaim?.claimName;
    for (const volume of volumes) {
      if (volume.name === add.name) {
        return `Unable to add volume [${add.name}] because volume with that name already exists`;
      }
      if (source !== undefined && sourceNameOf(volume) === source) {
        return `Unable to add volume source [${source}] because it already exists`;
      }
    }
    return undefined;
  }
  const name = volumeNameOf(request);
  const volume = volumes.find((v) => v.name === name);
  if (!volume) return `Unable to remove volume [${name}] because it does not exist`;
  if (!volume.dataVolume?.hotpluggable && !volume.persistentVolumeClaim?.hotpluggable) {
    return `Unable to remove volume [${name}] because it is not hotpluggable`;
  }
  return undefined;
}

function verified(
  resource: KubevirtResource,
  name: string,
  volumes: readonly Volume[] | undefined,
  request: VolumeRequest,
): void {
  const problem = verifyVolumeRequest(volumes ?? [], request);
  if (problem) throw conflict(resource, name, problem);
}

/** 400 for an add to a spec whose domain takes no hotplugged disk. */
function disabled(spec: VirtualMachineInstanceSpec, request: VolumeRequest): void {
  const add = request.addVolumeOptions;
  const problem = add && hotplugDisabledProblem(spec, add.name);
  if (problem) throw badRequest(problem);
}

/** The patch of a running VMI's spec; 409 when it does not run or the request does not fit. */
export function vmiVolumePlan(vmi: VmiLike, request: VolumeRequest): PatchStep[] {
  const name = vmi.metadata.name ?? "";
  if (vmi.status?.phase !== "Running") {
    throw conflict("virtualmachineinstance", name, "VMI is not running");
  }
  const spec = vmi.spec as unknown as VirtualMachineInstanceSpec;
  disabled(spec, request);
  verified("virtualmachineinstance", name, spec.volumes, request);
  const next = withVolumeRequest(spec, request);
  return [{ target: "vmi", patch: volumesPatchOf(spec, next) as JsonPatch }];
}

/**
 * The request queued on the VM's `status.volumeRequests`, as virt-api's: an add conflicts with a
 * pending add or remove of that name; a remove drops a pending add and conflicts with a remove.
 */
export function vmVolumePlan(vm: VmLike, request: VolumeRequest): PatchStep[] {
  const vmName = vm.metadata.name ?? "";
  const template = vm.spec?.template?.spec as unknown as VirtualMachineInstanceSpec | undefined;
  // A VMI's update is checked by its admission; a queued request is checked here, before it waits.
  const disk = request.addVolumeOptions?.disk;
  const problem = disk && hotplugDiskProblem(disk);
  if (problem) throw badRequest(`disk.${problem.field.join(".")}: ${problem.message}`);
  if (template) disabled(template, request);
  verified("virtualmachine", vmName, template?.volumes, request);
  const pending = (vm.status?.volumeRequests ?? []) as VolumeRequest[];
  const name = volumeNameOf(request);
  const queued: VolumeRequest[] = [];
  for (const other of pending) {
    const sameName = volumeNameOf(other) === name;
    if (request.addVolumeOptions && sameName && other.addVolumeOptions) {
      throw conflict(
        "virtualmachine",
        vmName,
        `add volume request for volume [${name}] already exists`,
      );
    }
    if (sameName && other.removeVolumeOptions) {
      throw conflict(
        "virtualmachine",
        vmName,
        request.addVolumeOptions
          ? `unable to add volume since a remove volume request for volume [${name}] already exists and is still being processed`
          : `a remove volume request for volume [${name}] already exists and is still being processed`,
      );
    }
    if (request.removeVolumeOptions && sameName) continue; // The remove cancels a pending add.
    queued.push(other);
  }
  queued.push(request);
  const hasStatus = vm.status !== undefined && Object.keys(vm.status).length > 0;
  const patch: JsonPatch = hasStatus
    ? [
      { op: "test", path: "/status/volumeRequests", value: vm.status?.volumeRequests ?? null },
      {
        op: pending.length > 0 ? "replace" : "add",
        path: "/status/volumeRequests",
        value: queued,
      },
    ]
    : [{ op: "add", path: "/status", value: { volumeRequests: queued } }];
  return [{ target: "vm-status", patch }];
}
