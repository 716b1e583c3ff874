/** The VM a pool runs at one index: `<pool>-<index>`, made from the pool's template. Pure. */
import { type OwnerReference, POOL_API_VERSION, VM_POOL_KIND } from "../../api/mod.ts";
import type { VirtualMachinePool } from "../../api/pool.ts";
import type { VM } from "../../api/objects.ts";
import { KUBEVIRT_API_VERSION } from "../../api/meta.ts";

/** The name of the pool's VM at `index`. */
export const vmNameOf = (pool: VirtualMachinePool, index: number) =>
  `${pool.metadata.name}-${index}`;

/** The index of `vm` in `pool` from its name, or undefined when the name is not the pool's. */
export function indexOf(pool: VirtualMachinePool, vm: VM): number | undefined {
  const prefix = `${pool.metadata.name}-`;
  const name = vm.metadata.name ?? "";
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/** The controller reference of a VM to its pool. */
export function poolOwnerReference(pool: VirtualMachinePool): OwnerReference {
  return {
    apiVersion: POOL_API_VERSION,
    kind: VM_POOL_KIND,
    name: pool.metadata.name ?? "",
    uid: pool.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `vm` is controlled by `pool`. */
export function isOwnedBy(vm: VM, pool: VirtualMachinePool): boolean {
  return (vm.metadata.ownerReferences ?? []).some((ref) =>
    ref.controller === true && ref.kind === VM_POOL_KIND && ref.uid === pool.metadata.uid
  );
}

/**
 * The pool's VM at `index`. Its DataVolume templates get the index appended to their names (as
 * KubeVirt's pool does), and the volumes that use them follow, so that VMs do not share disks.
 */
export function vmFor(pool: VirtualMachinePool, index: number): VM {
  const template = pool.spec.virtualMachineTemplate;
  const spec = structuredClone(template.spec);
  const renamed = new Map<string, string>();
  for (const dv of spec.dataVolumeTemplates ?? []) {
    const name = dv.metadata?.name;
    if (!name) continue;
    renamed.set(name, `${name}-${index}`);
    dv.metadata = { ...dv.metadata, name: `${name}-${index}` };
  }
  for (const volume of spec.template.spec.volumes ?? []) {
    const name = volume.dataVolume?.name;
    if (name && renamed.has(name)) volume.dataVolume!.name = renamed.get(name)!;
  }
  const meta = template.metadata ?? {};
  return {
    apiVersion: KUBEVIRT_API_VERSION,
    kind: "VirtualMachine",
    metadata: {
      name: vmNameOf(pool, index),
      namespace: pool.metadata.namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [poolOwnerReference(pool)],
    },
    spec,
  };
}
