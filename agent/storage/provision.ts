/**
 * Dynamic provisioning, decided: is a claim ours to provision, and the PV that answers it (as
 * Kubernetes' external provisioners make them: `pvc-<uid>`, claimRef set, the PV controller binds).
 */
import {
  HOSTNAME_LABEL,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from "../../api/mod.ts";
import {
  LOCAL_PROVISIONER,
  PROVISIONED_BY,
  SELECTED_NODE,
  STORAGE_PROVISIONER,
} from "../../api/storage_annotations.ts";
import { bytesOf, fitOf } from "./capacity.ts";
import { pvNameFor } from "./types.ts";

/** What to do about a claim. */
export type ProvisionDecision =
  /** Not ours, or nothing to do. */
  | { action: "ignore" }
  /** Its StorageClass is not in the cache yet: look again when it arrives. */
  | { action: "waitForClass"; className: string }
  /** The PV exists already (a restart, a lost write): only make sure its directory does. */
  | { action: "exists"; dir: string }
  /** A Warning event; `unselect` drops the selected node so that another node is picked. */
  | { action: "refuse"; message: string; unselect: boolean }
  | { action: "provision"; pv: PersistentVolume; dir: string };

export interface ProvisionInputs {
  pvc: PersistentVolumeClaim;
  node: string;
  volumesDir: string;
  storageClass: StorageClass | undefined;
  /** The PV named `pvc-<uid>`, if it already exists. */
  existingPv: PersistentVolume | undefined;
  /** Bytes this node may hand out, and has handed out. */
  capacity: bigint;
  allocated: bigint;
}

/** True when the claim waits for this node's provisioner. */
export function isMineToProvision(pvc: PersistentVolumeClaim, node: string): boolean {
  const annotations = pvc.metadata?.annotations ?? {};
  return (pvc.status?.phase ?? "Pending") === "Pending" &&
    !pvc.spec?.volumeName &&
    !pvc.metadata?.deletionTimestamp &&
    !!pvc.metadata?.uid &&
    annotations[STORAGE_PROVISIONER] === LOCAL_PROVISIONER &&
    annotations[SELECTED_NODE] === node;
}

/** Decides what provisioning the claim needs on this node. */
export function provisionDecision(inputs: ProvisionInputs): ProvisionDecision {
  const { pvc, node, volumesDir, storageClass } = inputs;
  if (!isMineToProvision(pvc, node)) return { action: "ignore" };
  const pvName = pvNameFor(pvc);
  const dir = `${volumesDir}/${pvName}`;
  if (inputs.existingPv) {
    // The name is the claim's uid: this PV can only be the one made for this claim.
    return { action: "exists", dir };
  }
  const className = pvc.spec?.storageClassName ?? "";
  if (!storageClass) return { action: "waitForClass", className };
  if (storageClass.provisioner !== LOCAL_PROVISIONER) return { action: "ignore" };
  if (pvc.spec?.volumeMode === "Block") {
    return {
      action: "refuse",
      message: "volumeMode Block is not supported by denovirt-local",
      unselect: false,
    };
  }
  const quantity = pvc.spec?.resources?.requests?.storage;
  const requested = bytesOf(quantity);
  if (requested === undefined || requested <= 0n) {
    return {
      action: "refuse",
      message: `Cannot provision claim ${claimName(pvc)}: spec.resources.requests.storage ` +
        `must be a positive quantity, not ${JSON.stringify(quantity ?? null)}`,
      unselect: false,
    };
  }
  const fit = fitOf(node, requested, inputs.capacity, inputs.allocated);
  if (!fit.fits) return { action: "refuse", message: fit.message, unselect: true };
  return { action: "provision", pv: localPvFor(pvc, storageClass, node, dir), dir };
}

/** The PV of a claim: a `local` volume in `dir`, pinned to `node`. */
export function localPvFor(
  pvc: PersistentVolumeClaim,
  storageClass: StorageClass,
  node: string,
  dir: string,
): PersistentVolume {
  const meta = pvc.metadata ?? {};
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: pvNameFor(pvc),
      annotations: { [PROVISIONED_BY]: LOCAL_PROVISIONER },
    },
    spec: {
      capacity: { storage: String(pvc.spec?.resources?.requests?.storage) },
      accessModes: pvc.spec?.accessModes?.length ? [...pvc.spec.accessModes] : ["ReadWriteOnce"],
      volumeMode: "Filesystem",
      storageClassName: pvc.spec?.storageClassName ?? storageClass.metadata?.name ?? "",
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: meta.namespace ?? "default",
        name: meta.name ?? "",
        uid: meta.uid ?? "",
      },
      local: { path: dir },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{
            matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [node] }],
          }],
        },
      },
    },
  };
}

/** `namespace/name` of a claim, for messages. */
export const claimName = (pvc: PersistentVolumeClaim) =>
  `${pvc.metadata?.namespace ?? "default"}/${pvc.metadata?.name ?? ""}`;
