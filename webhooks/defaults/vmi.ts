// Defaults for a VirtualMachineInstance and a replica set's template.
import type { VirtualMachineInstance, VirtualMachineInstanceReplicaSet } from "../../api/mod.ts";
import { defaultVmiSpec } from "./vmi_spec.ts";

/**
 * Applies the VMI defaults; a VMI without a firmware UUID gets `newUuid()` (KubeVirt gives a
 * random one; a VM's VMIs inherit the VM's stable UUID from its template).
 */
export function defaultVirtualMachineInstance(
  vmi: VirtualMachineInstance,
  newUuid: () => string = () => crypto.randomUUID(),
) {
  defaultVmiSpec(vmi.spec, vmi.spec.domain.firmware?.uuid ? {} : { firmwareUuid: newUuid() });
}

/** Applies the VMI defaults to a replica set's template; never a firmware UUID, which replicas would share. */
export function defaultReplicaSet(replicaSet: VirtualMachineInstanceReplicaSet) {
  defaultVmiSpec(replicaSet.spec.template.spec);
}
