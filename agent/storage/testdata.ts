/** Claims, volumes and classes for the storage tests. */
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from "../../api/mod.ts";
import {
  LOCAL_PROVISIONER,
  LOCAL_STORAGE_CLASS,
  SELECTED_NODE,
  STORAGE_PROVISIONER,
} from "../../api/storage_annotations.ts";
import { localPvFor } from "./provision.ts";

export const NODE = "edge-1";
export const DATA_DIR = "/var/lib/denovirt";
export const VOLUMES_DIR = "/var/lib/denovirt/volumes";

export const localClass: StorageClass = {
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: { name: LOCAL_STORAGE_CLASS },
  provisioner: LOCAL_PROVISIONER,
  volumeBindingMode: "WaitForFirstConsumer",
};

/** A Pending claim of the local class, selected for NODE, with `changes` merged in. */
export function pendingClaim(
  changes: {
    name?: string;
    uid?: string;
    annotations?: Record<string, string>;
    storage?: string;
    volumeMode?: "Filesystem" | "Block";
  } = {},
): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: changes.name ?? "disk",
      namespace: "default",
      uid: changes.uid ?? "0000-1111",
      resourceVersion: "10",
      annotations: {
        [STORAGE_PROVISIONER]: LOCAL_PROVISIONER,
        [SELECTED_NODE]: NODE,
        ...changes.annotations,
      },
    },
    spec: {
      storageClassName: LOCAL_STORAGE_CLASS,
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: changes.storage ?? "1Gi" } },
      ...(changes.volumeMode ? { volumeMode: changes.volumeMode } : {}),
    },
    status: { phase: "Pending" },
  };
}

/** The claim bound to its local PV on `node`, and that PV. */
export function boundClaim(
  changes: Parameters<typeof pendingClaim>[0] & { node?: string; pvPhase?: string } = {},
): { pvc: PersistentVolumeClaim; pv: PersistentVolume } {
  const pending = pendingClaim(changes);
  const node = changes.node ?? NODE;
  const dir = `${VOLUMES_DIR}/pvc-${pending.metadata!.uid}`;
  const pv = localPvFor(pending, localClass, node, dir);
  pv.status = { phase: changes.pvPhase ?? "Bound" };
  const pvc: PersistentVolumeClaim = {
    ...pending,
    spec: { ...pending.spec, volumeName: pv.metadata!.name! },
    status: { phase: "Bound" },
  };
  return { pvc, pv };
}
