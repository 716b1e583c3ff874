/**
 * The shapes of the storage objects the agent reads and writes (only the fields it uses), and
 * the facts about a PersistentVolume that every decision asks: is it a denovirt-local volume,
 * on which node, in which directory.
 */
import {
  HOSTNAME_LABEL,
  type PersistentVolume,
  type PersistentVolumeClaim,
} from "../../api/mod.ts";
import { LOCAL_PROVISIONER, PROVISIONED_BY } from "../../api/storage_annotations.ts";

/** The directory holding this node's local volumes: `<dataDir>/volumes`. */
export const volumesDirOf = (dataDir: string) => `${dataDir.replace(/\/+$/, "")}/volumes`;

/** The PV name external provisioners give a claim's volume. */
export const pvNameFor = (pvc: PersistentVolumeClaim) => `pvc-${pvc.metadata?.uid ?? ""}`;

/** The node a PV's required node affinity pins it to (one term, `hostname In [node]`). */
export function pvNodeOf(pv: PersistentVolume): string | undefined {
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
export const isLocalPv = (pv: PersistentVolume) =>
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
export function localDirOf(
  pv: PersistentVolume,
  node: string,
  volumesDir: string,
): string | undefined {
  const path = pv.spec?.local?.path;
  if (!isLocalPv(pv) || pvNodeOf(pv) !== node || !path) return undefined;
  return isStrictlyUnder(volumesDir, path) ? path.replace(/\/+$/, "") : undefined;
}

/** `namespace/name` of the claim a PV is (or was) bound to. */
export function claimKeyOfPv(pv: PersistentVolume): string | undefined {
  const ref = pv.spec?.claimRef;
  return ref?.namespace && ref.name ? `${ref.namespace}/${ref.name}` : undefined;
}

/** True when the claim is Bound to a volume. */
export const isBound = (pvc: PersistentVolumeClaim) =>
  pvc.status?.phase === "Bound" && !!pvc.spec?.volumeName;
