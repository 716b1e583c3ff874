/**
 * A VM's `status.volumeRequests` (queued by the addvolume and removevolume subresources), as
 * KubeVirt's VM controller handles them: every request is applied to the template, so the change
 * persists, and to the running VMI, so it takes effect now; a request leaves the queue once the
 * template shows it done. Pure.
 */
import {
  isVolumeRequestDone,
  type VirtualMachine,
  type VirtualMachineInstance,
  type VirtualMachineInstanceSpec,
  type VolumeRequest,
  withVolumeRequest,
} from "../../api/mod.ts";
import { sameJson } from "../writes.ts";

/** The specs the pending requests change; absent where nothing changes. */
export interface VolumeRequestPlan {
  template?: VirtualMachineInstanceSpec;
  vmi?: VirtualMachineInstanceSpec;
}

/** The VM's queued volume requests. */
export function volumeRequestsOf(vm: VirtualMachine): VolumeRequest[] {
  return (vm.status?.volumeRequests ?? []) as VolumeRequest[];
}

/** What applying the VM's queued requests changes in its template and its running VMI. */
export function volumeRequestPlan(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
): VolumeRequestPlan {
  const requests = volumeRequestsOf(vm);
  const template = vm.spec.template.spec;
  if (requests.length === 0 || !template) return {};
  const plan: VolumeRequestPlan = {};
  const nextTemplate = requests.reduce(withVolumeRequest, template);
  if (!sameJson(nextTemplate, template)) plan.template = nextTemplate;
  // Only a running VMI takes a hotplug; one that starts later is made from the new template.
  if (vmi && vmi.status?.phase === "Running" && !vmi.metadata.deletionTimestamp) {
    const nextVmi = requests.reduce(withVolumeRequest, vmi.spec);
    if (!sameJson(nextVmi, vmi.spec)) plan.vmi = nextVmi;
  }
  return plan;
}

/** The queued requests the template does not show done yet. */
export function pendingVolumeRequests(vm: VirtualMachine): VolumeRequest[] {
  const template = vm.spec.template.spec;
  return volumeRequestsOf(vm).filter((r) => !template || !isVolumeRequestDone(template, r));
}
