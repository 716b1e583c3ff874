/**
 * A VM's DataVolumes: the ones its `dataVolumeTemplates` ask for (KubeVirt creates them with the
 * VM, running or not) and whether those its VMI would use are ready for it. Pure: table-tested.
 */
import {
  CDI_API_VERSION,
  dataVolumeNamesOf,
  type DataVolumeTemplateSpec,
  type DV,
  type VirtualMachine,
} from "../../api/mod.ts";
import { keyFor, type KubeObject } from "../../lib/kube/object.ts";
import { isDataVolumeReady, type VolumeView } from "../volumes.ts";
import { vmOwnerReference } from "./vmi_for.ts";

/** What the VM's DataVolumes need, and what they mean for starting it. */
export interface VmDataVolumes {
  /** DataVolumes to create from the templates. */
  create: DV[];
  /** DataVolumes the VMI would use that are not ready yet (being created, filled or bound). */
  waiting: string[];
  /** DataVolumes the VMI would use that failed. */
  failed: string[];
  /** Templates whose name a DataVolume controlled by something else holds. */
  foreign: string[];
}

/** The DataVolume a template stands for, controlled by `vm` (KubeVirt's GenerateDataVolumeFromTemplate). */
export function dataVolumeFor(vm: VirtualMachine, template: DataVolumeTemplateSpec): DV {
  const meta = template.metadata ?? {};
  return {
    apiVersion: CDI_API_VERSION,
    kind: "DataVolume",
    metadata: {
      name: meta.name ?? "",
      namespace: vm.metadata.namespace ?? "",
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [vmOwnerReference(vm)],
    },
    spec: structuredClone(template.spec),
  };
}

/** Whether a controller other than `vm` holds `dv` (an uncontrolled one is the VM's to use). */
export function isForeignDataVolume(dv: KubeObject, vm: VirtualMachine): boolean {
  const controller = dv.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  return !!controller && controller.uid !== vm.metadata.uid;
}

/** Names of the VM's DataVolume templates. */
export function templateNamesOf(vm: VirtualMachine): string[] {
  return (vm.spec?.dataVolumeTemplates ?? []).map((t) => t?.metadata?.name ?? "").filter((n) => n);
}

/** `namespace/name` of every DataVolume the VM names (an index of the VM cache). */
export function dataVolumeKeysOf(vm: VirtualMachine): string[] {
  // Runs on every cached VM, so it must not throw on a malformed one.
  const names = new Set([
    ...templateNamesOf(vm),
    ...dataVolumeNamesOf(vm.spec?.template?.spec?.volumes),
  ]);
  return [...names].map((name) => keyFor(vm.metadata.namespace, name));
}

/** The VM's DataVolumes as `view` shows them: what to create, and what holds its start. */
export function vmDataVolumesOf(vm: VirtualMachine, view: VolumeView): VmDataVolumes {
  const out: VmDataVolumes = { create: [], waiting: [], failed: [], foreign: [] };
  const templates = new Map(
    (vm.spec.dataVolumeTemplates ?? []).map((t) => [t.metadata?.name ?? "", t] as const),
  );
  templates.delete("");
  // KubeVirt waits for every template, used by a volume or not, and for the volumes' DataVolumes.
  const names = new Set([
    ...templates.keys(),
    ...dataVolumeNamesOf(vm.spec.template.spec?.volumes),
  ]);
  for (const name of names) {
    const template = templates.get(name);
    const dv = view.dataVolume(name);
    if (!dv) {
      // One that is no template and does not exist is for the VMI to report (a missing PVC).
      if (!template) continue;
      if (!vm.metadata.deletionTimestamp) out.create.push(dataVolumeFor(vm, template));
      out.waiting.push(name);
    } else if (template && isForeignDataVolume(dv, vm)) {
      out.foreign.push(name);
    } else if (dv.metadata?.deletionTimestamp) {
      out.waiting.push(name); // A template's is made again once it is gone.
    } else if (dv.status?.phase === "Failed") {
      out.failed.push(name);
    } else if (!isDataVolumeReady(dv.status?.phase)) {
      out.waiting.push(name);
    }
  }
  return out;
}

/** Whether the VM may create its VMI now, as far as its DataVolumes go. */
export const dataVolumesAllowStart = (d: VmDataVolumes): boolean =>
  d.waiting.length === 0 && d.failed.length === 0 && d.foreign.length === 0;
