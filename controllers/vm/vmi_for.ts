/** The VMI a VM runs: named after the VM, made from its template (KubeVirt's SetupVMIFromVM). */
import { firmwareUuidFor } from "../../api/firmware_uuid.ts";
import {
  hasStartPausedRequest,
  KUBEVIRT_API_VERSION,
  type OwnerReference,
  type VirtualMachine,
  type VirtualMachineInstance,
  VM_CONTROLLER_FINALIZER,
  VM_GENERATION_ANNOTATION,
  VM_KIND,
  type VMI,
  VMI_FINALIZER,
} from "../../api/mod.ts";

/** The controller reference of a VMI to its VM. */
export function vmOwnerReference(vm: VirtualMachine): OwnerReference {
  return {
    apiVersion: KUBEVIRT_API_VERSION,
    kind: VM_KIND,
    name: vm.metadata.name ?? "",
    uid: vm.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `vmi` is controlled by `vm` (same UID), as opposed to an orphan or another VM's. */
export function isControlledBy(vmi: VirtualMachineInstance, vm: VirtualMachine): boolean {
  return (vmi.metadata.ownerReferences ?? []).some((ref) =>
    ref.controller === true && ref.kind === VM_KIND && ref.uid === vm.metadata.uid
  );
}

/** The VMI to create for `vm` now. */
export function vmiFor(vm: VirtualMachine): VMI {
  const template = vm.spec.template;
  const spec = structuredClone(template.spec);
  if (hasStartPausedRequest(vm)) spec.startStrategy = "Paused";
  const name = vm.metadata.name ?? "";
  // A firmware UUID that survives restarts; the webhooks set it too, but input may be undefaulted.
  if (!spec.domain.firmware?.uuid) {
    spec.domain.firmware = {
      ...spec.domain.firmware,
      uuid: firmwareUuidFor(vm.metadata.namespace ?? "", name),
    };
  }
  return {
    apiVersion: KUBEVIRT_API_VERSION,
    kind: "VirtualMachineInstance",
    metadata: {
      name,
      namespace: vm.metadata.namespace,
      ...(template.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
      annotations: {
        ...template.metadata?.annotations,
        [VM_GENERATION_ANNOTATION]: String(vm.metadata.generation ?? 0),
      },
      ownerReferences: [vmOwnerReference(vm)],
      // The VM controller's, so that it sees how the VMI ended; the VMI controller's (which
      // KubeVirt's webhook adds), so that the launcher pod goes first.
      finalizers: [VM_CONTROLLER_FINALIZER, VMI_FINALIZER],
    },
    spec,
  };
}
