// Defaults for a VirtualMachine: `running` becomes runStrategy, the template gets the VMI
// defaults and a firmware UUID that stays the same across restarts; a new VM gets the VM
// controller's finalizer (adr/0017-vm-finalizer-on-create.md).
import {
  type RunStrategy,
  type VirtualMachine,
  VM_CLUSTER_INSTANCETYPE_KIND,
  VM_CLUSTER_PREFERENCE_KIND,
  VM_CONTROLLER_FINALIZER,
} from "../../api/mod.ts";
import { firmwareUuidFor } from "../../api/firmware_uuid.ts";
import { defaultVmiSpec } from "./vmi_spec.ts";

/** KubeVirt's warning for `running` (pkg/virt-api/webhooks/validating-webhook/admitters). */
export const RUNNING_DEPRECATED_WARNING =
  "spec.running is deprecated, please use spec.runStrategy instead.";

/**
 * Applies the VM defaults to `vm` in `namespace` (after `setRunStrategyFromRunning`); returns
 * warnings.
 */
export function defaultVirtualMachine(
  vm: VirtualMachine,
  namespace = vm.metadata.namespace ?? "",
): string[] {
  const warnings: string[] = [];
  if (setRunStrategyFromRunning(vm.spec)) warnings.push(RUNNING_DEPRECATED_WARNING);
  const name = vm.metadata.name;
  const firmwareUuid = name ? { firmwareUuid: firmwareUuidFor(namespace, name) } : {};
  if (vm.spec.instancetype || vm.spec.preference) {
    // The template's gaps are the instance type's and the preference's to fill: the VMI gets the
    // defaults when the controller creates it from the expanded template (as in KubeVirt).
    defaultMatcherKinds(vm);
    const uuid = firmwareUuid.firmwareUuid;
    const domain = vm.spec.template.spec.domain;
    if (uuid && !domain.firmware?.uuid) domain.firmware = { ...domain.firmware, uuid };
    return warnings;
  }
  defaultVmiSpec(vm.spec.template.spec, firmwareUuid);
  return warnings;
}

/** Matchers without a kind name the cluster-wide kind (KubeVirt's defaults). */
export function defaultMatcherKinds(vm: VirtualMachine): void {
  if (vm.spec.instancetype && !vm.spec.instancetype.kind && !vm.spec.instancetype.inferFromVolume) {
    vm.spec.instancetype.kind = VM_CLUSTER_INSTANCETYPE_KIND;
  }
  if (vm.spec.preference && !vm.spec.preference.kind && !vm.spec.preference.inferFromVolume) {
    vm.spec.preference.kind = VM_CLUSTER_PREFERENCE_KIND;
  }
}

/**
 * A matcher that now names another object drops the revision of the old one, so that the VM
 * controller freezes the new one (a revision name the user changed too is kept).
 */
export function dropStaleRevisionNames(vm: VirtualMachine, old: unknown): void {
  const oldSpec = (old as { spec?: Partial<VirtualMachine["spec"]> } | undefined)?.spec;
  for (const field of ["instancetype", "preference"] as const) {
    const matcher = vm.spec[field];
    const before = oldSpec?.[field];
    if (!matcher?.revisionName || !before) continue;
    const renamed = matcher.name !== before.name || (matcher.kind ?? "") !== (before.kind ?? "");
    if (renamed && matcher.revisionName === before.revisionName) delete matcher.revisionName;
  }
}

/**
 * Adds the VM controller's finalizer to a VM being created, so that the controller need not
 * write the VM once more to add it (it still adds it to VMs created while the webhooks were down).
 */
export function addControllerFinalizer(vm: VirtualMachine): void {
  const finalizers = vm.metadata.finalizers ?? [];
  if (!finalizers.includes(VM_CONTROLLER_FINALIZER)) {
    vm.metadata.finalizers = [...finalizers, VM_CONTROLLER_FINALIZER];
  }
}

/** The run state fields of a VM spec, as sent: not yet checked against the schema. */
export interface RunFields {
  running?: unknown;
  runStrategy?: unknown;
}

/**
 * `running: true` becomes `runStrategy: Always` and `running: false` becomes Halted, so that
 * controllers read one field. On CREATE a VM with both is left alone for the validator to refuse;
 * on UPDATE a `running` newly set against a stored runStrategy (a client of the old API that
 * patches `running`) replaces it. Runs before the schema check, hence the loose types.
 * Returns whether `running` was converted.
 */
export function setRunStrategyFromRunning(spec: RunFields, oldSpec?: RunFields): boolean {
  if (typeof spec.running !== "boolean") return false;
  const newlySetOverStoredStrategy = oldSpec !== undefined && oldSpec.running === undefined;
  if (spec.runStrategy !== undefined && !newlySetOverStoredStrategy) return false;
  spec.runStrategy = runStrategyFor(spec.running);
  delete spec.running;
  return true;
}
/** The runStrategy equivalent to a `running` value. */
export function runStrategyFor(running: boolean): RunStrategy {
  return running ? "Always" : "Halted";
}
