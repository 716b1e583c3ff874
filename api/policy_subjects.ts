// What each judged kind offers the policy evaluator: its VMI specs, its VMs' labels and its
// DataVolume specs, each with its path in the object. Shared by the webhooks (an object under
// review) and the controllers (the existing objects a policy's status counts).
import type { DataVolume, DataVolumeSpec } from "./data_volume.ts";
import type { PersistentVolumeClaim } from "./objects.ts";
import type { PolicySubject } from "./policy_evaluate.ts";
import type { VirtualMachine } from "./virtual_machine.ts";
import type { VirtualMachineInstance } from "./virtual_machine_instance.ts";
import type { VirtualMachineInstanceReplicaSet } from "./replica_set.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";
import { ANN_ENDPOINT, ANN_SOURCE, SOURCE_HTTP, SOURCE_REGISTRY } from "./storage_annotations.ts";

/** A VM (or a pool's template at `base`) running `template`, its expanded template spec. */
export function vmSubject(
  vm: Pick<VirtualMachine, "metadata" | "spec">,
  template: VirtualMachineInstanceSpec,
  base: readonly PropertyKey[] = [],
): PolicySubject {
  return {
    vmiSpecs: [{ path: [...base, "spec", "template", "spec"], spec: template }],
    vmLabels: [{ path: [...base, "metadata", "labels"], labels: vm.metadata?.labels }],
    dataVolumes: (vm.spec.dataVolumeTemplates ?? []).map((t, i) => ({
      path: [...base, "spec", "dataVolumeTemplates", i, "spec"],
      spec: t.spec,
    })),
  };
}

/** A VMI made by a user. */
export function vmiSubject(vmi: VirtualMachineInstance): PolicySubject {
  return {
    vmiSpecs: [{ path: ["spec"], spec: vmi.spec }],
    vmLabels: [{ path: ["metadata", "labels"], labels: vmi.metadata.labels }],
    dataVolumes: [],
  };
}

/** The VMIs a replica set makes. */
export function replicaSetSubject(replicaSet: VirtualMachineInstanceReplicaSet): PolicySubject {
  const template = replicaSet.spec.template;
  return {
    vmiSpecs: [{ path: ["spec", "template", "spec"], spec: template.spec }],
    vmLabels: [{
      path: ["spec", "template", "metadata", "labels"],
      labels: template.metadata?.labels,
    }],
    dataVolumes: [],
  };
}

/** A DataVolume. */
export function dataVolumeSubject(dataVolume: DataVolume): PolicySubject {
  return { vmiSpecs: [], vmLabels: [], dataVolumes: [{ path: ["spec"], spec: dataVolume.spec }] };
}

/** Whether `claim` asks, by CDI's annotations, to be filled by an import. */
export function isImportClaim(claim: PersistentVolumeClaim): boolean {
  const annotations = claim.metadata?.annotations ?? {};
  return annotations[ANN_ENDPOINT] !== undefined || annotations[ANN_SOURCE] !== undefined;
}

/**
 * A PVC that CDI's import annotations ask to fill: judged as the DataVolume that would have asked
 * for the same import, with violations naming the annotation and the claim's storage class.
 */
export function importClaimSubject(claim: PersistentVolumeClaim): PolicySubject {
  if (!isImportClaim(claim)) return { vmiSpecs: [], vmLabels: [], dataVolumes: [] };
  const annotations = claim.metadata?.annotations ?? {};
  const endpoint = annotations[ANN_ENDPOINT];
  const source = annotations[ANN_SOURCE] ?? SOURCE_HTTP;
  const spec = {
    source: endpoint === undefined
      ? {}
      : source === SOURCE_REGISTRY
      ? { registry: { url: endpoint } }
      : source === SOURCE_HTTP
      ? { http: { url: endpoint } }
      : {},
    pvc: { storageClassName: claim.spec?.storageClassName },
  } as DataVolumeSpec;
  return {
    vmiSpecs: [],
    vmLabels: [],
    dataVolumes: [{
      path: ["spec"],
      spec,
      fields: {
        url: ["metadata", "annotations", ANN_ENDPOINT],
        storageClassName: ["spec", "storageClassName"],
      },
    }],
  };
}
