/**
 * What the VM and VMI routes share: reads of the VM or VMI that answer 404 when it is missing,
 * patches whose failures are worded as virt-api's, and the volume requests' bodies.
 */
import { notFound } from "../lib/http/status.ts";
import type { Backend } from "./app_options.ts";
import type { PatchStep } from "./lifecycle.ts";
import { patchError, volumePatchError } from "./patch_errors.ts";
import { addVolumeCallOf, removeVolumeCallOf, type VolumeCall } from "./volumes.ts";

export const VOLUME_ACTIONS = ["addvolume", "removevolume"];

/** The VM, or a 404 thrown. */
export async function vmOrThrow(backend: Backend, namespace: string, name: string) {
  const vm = await backend.getVm(namespace, name);
  if (!vm) throw notFound("virtualmachine", name);
  return vm;
}

/** The VMI, or a 404 thrown. */
export async function vmiOrThrow(backend: Backend, namespace: string, name: string) {
  const vmi = await backend.getVmi(namespace, name);
  if (!vmi) throw notFound("virtualmachineinstance", name);
  return vmi;
}

/** Send a request's patches; a failure is worded by `wordError` (virt-api's words for lifecycle). */
export async function send(
  backend: Backend,
  steps: PatchStep[],
  namespace: string,
  name: string,
  dryRun: boolean,
  wordError: typeof patchError = patchError,
) {
  for (const step of steps) {
    try {
      await backend.patch(step, namespace, name, dryRun);
    } catch (error) {
      throw wordError(error, step, name);
    }
  }
}

/** Send a volume request's patches; failures worded as virt-api's. */
export function sendVolume(
  backend: Backend,
  steps: PatchStep[],
  namespace: string,
  name: string,
  dryRun: boolean,
) {
  return send(backend, steps, namespace, name, dryRun, volumePatchError);
}

/** The request in the body of an `addvolume` or `removevolume` call. */
export const volumeCallOf = (action: string, body: string): VolumeCall =>
  action === "addvolume" ? addVolumeCallOf(body) : removeVolumeCallOf(body);
