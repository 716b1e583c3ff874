/** Reclaiming: which released volumes of this node are ours to delete, with their directories. */
import type { PersistentVolume } from "../../api/mod.ts";
import { claimKeyOfPv, localDirOf } from "./types.ts";

/** A volume to delete: its directory, and the claim whose import must stop first. */
export interface Deletion {
  pvName: string;
  dir: string;
  claimKey: string | undefined;
  claimUid: string | undefined;
}

/**
 * The deletion a PV asks for: one of this node's denovirt-local PVs (its directory strictly
 * under the volumes directory), Released, with the Delete reclaim policy; else undefined.
 */
export function deletionOf(
  pv: PersistentVolume,
  node: string,
  volumesDir: string,
): Deletion | undefined {
  const dir = localDirOf(pv, node, volumesDir);
  const name = pv.metadata?.name;
  if (!dir || !name) return undefined;
  if (pv.status?.phase !== "Released") return undefined;
  if (pv.spec?.persistentVolumeReclaimPolicy !== "Delete") return undefined;
  return { pvName: name, dir, claimKey: claimKeyOfPv(pv), claimUid: pv.spec?.claimRef?.uid };
}
