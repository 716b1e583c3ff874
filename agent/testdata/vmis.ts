/** Test helpers: the VMIs of this directory and the disks the agent would prepare for them. */
import { join } from "node:path";
import { parse } from "yaml";
import { type VirtualMachineInstance, VirtualMachineInstanceSchema } from "../../api/mod.ts";
import type { PreparedDisk } from "../domain/types.ts";

/** This directory. */
export const TESTDATA = new URL(".", import.meta.url).pathname;

/** Parses `<name>.yaml` of this directory as a VMI. */
export async function loadVmi(name: string): Promise<VirtualMachineInstance> {
  return VirtualMachineInstanceSchema.parse(
    parse(await Deno.readTextFile(join(TESTDATA, `${name}.yaml`))),
  );
}

/** What `prepareDisks` would hand over, without touching the host. */
export function fakePreparedDisks(vmi: VirtualMachineInstance): PreparedDisk[] {
  const dir = `/var/lib/denovirt/vmis/${vmi.metadata.uid}`;
  return (vmi.spec.volumes ?? []).map((v): PreparedDisk => {
    const name = v.name;
    if (v.emptyDisk) return { name, path: `${dir}/${name}.qcow2`, format: "qcow2", device: "file" };
    if (v.cloudInitNoCloud || v.cloudInitConfigDrive) {
      return { name, path: `${dir}/${name}.iso`, format: "raw", readonly: true, device: "file" };
    }
    if (v.hostDisk) return { name, path: v.hostDisk.path, format: "raw", device: "file" };
    const claim = v.persistentVolumeClaim?.claimName ?? v.dataVolume?.name ?? name;
    if (claim.startsWith("block-")) {
      return { name, path: `/dev/denovirt/${claim}`, format: "raw", device: "block" };
    }
    const path = `/var/lib/denovirt/volumes/${vmi.metadata.namespace}/${claim}/disk.img`;
    return {
      name,
      path,
      format: "raw",
      device: "file",
      readonly: v.persistentVolumeClaim?.readOnly,
    };
  });
}
