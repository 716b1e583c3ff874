/**
 * The shapes of the storage objects the agent reads and writes (only the fields it uses), and
 * the facts about a PersistentVolume that every decision asks: is it a denovirt-local volume,
 * on which node, in which directory.
 */
import { LOCAL_PROVISIONER, PROVISIONED_BY } from "../../api/storage_annotations.ts";
import type { KubeObject } from "../../lib/kube/object.ts";

/** core/v1 PersistentVolumeClaim. */
export interface Pvc extends KubeObject {
  spec?: {
    storageClassName?: string;
    volumeName?: string;
    volumeMode?: string;
    accessModes?: string[];
    resources?: { requests?: { storage?: string | number } };
  };
  status?: { phase?: string };
}

/** A node selector requirement, as in a PV's node affinity. */
export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** core/v1 PersistentVolume. */
export interface Pv extends KubeObject {
  spec?: {
    capacity?: { storage?: string | number };
    accessModes?: string[];
    volumeMode?: string;
    storageClassName?: string;
    persistentVolumeReclaimPolicy?: string;
    claimRef?: {
      apiVersion?: string;
      kind?: string;
      namespace?: string;
      name?: string;
      uid?: string;
    };
    local?: { path: string };
    nodeAffinity?: {
      required?: { nodeSelectorTerms?: Array<{ matchExpressions?: NodeSelectorRequirement[] }> };
    };
  };
  status?: { phase?: string };
}

/** storage.k8s.io/v1 StorageClass. */
export interface StorageClass extends KubeObject {
  provisioner?: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
}

/** The label the PVs' node affinity names the node by. */
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

/** The directory holding this node's local volumes: `<dataDir>/volumes`. */
export const volumesDirOf = (dataDir: string) => `${dataDir.replace(/\/+$/, "")}/volumes`;

/** The PV name external provisioners give a claim's volume. */
export const pvNameFor = (pvc: Pvc) => `pvc-${pvc.metadata?.uid ?? ""}`;

/** The node a PV's required node affinity pins it to (one term, `hostname In [node]`). */
export function pvNodeOf(pv: Pv): string | undefined {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const expression of term.matchExpressions ?? []) {
      if (expression.key === HOSTNAME_LABEL && expression.operator === "In") {
        const [node] = expression.values ?? [];
        if (node && expression.values?.length === 1) return node;
      }
    }
  }
  return undefined;
}

/** True when the denovirt-local provisioner made the PV. */
export const isLocalPv = (pv: Pv) =>
  pv.metadata?.annotations?.[PROVISIONED_BY] === LOCAL_PROVISIONER;

/** True when `path` lies strictly below `dir` (lexically: no `..`, no `.`, no empty parts). */
export function isStrictlyUnder(dir: string, path: string): boolean {
  const prefix = `${dir.replace(/\/+$/, "")}/`;
  if (!path.startsWith(prefix)) return false;
  const rest = path.slice(prefix.length).replace(/\/+$/, "");
  return rest !== "" &&
    rest.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

/** The directory of one of this node's denovirt-local PVs, or undefined when it is not one. */
export function localDirOf(pv: Pv, node: string, volumesDir: string): string | undefined {
  const path = pv.spec?.local?.path;
  if (!isLocalPv(pv) || pvNodeOf(pv) !== node || !path) return undefined;
  return isStrictlyUnder(volumesDir, path) ? path.replace(/\/+$/, "") : undefined;
}

/** `namespace/name` of the claim a PV is (or was) bound to. */
export function claimKeyOfPv(pv: Pv): string | undefined {
  const ref = pv.spec?.claimRef;
  return ref?.namespace && ref.name ? `${ref.namespace}/${ref.name}` : undefined;
}

/** True when the claim is Bound to a volume. */
export const isBound = (pvc: Pvc) => pvc.status?.phase === "Bound" && !!pvc.spec?.volumeName;
