/**
 * A VMI's claim, resolved to this node's volume directory: bound to one of this node's
 * denovirt-local PVs, its import (if any) Succeeded. Plain claims get an empty raw disk.img.
 */
import type { PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import {
  ANN_RUNNING_MESSAGE,
  ANN_RUNNING_REASON,
  importSourceOf,
} from "../../api/storage_annotations.ts";
import type { CacheReader } from "../../lib/controller.ts";
import { TerminalError } from "../../lib/errors.ts";
import { persistentVolumeClaims, persistentVolumes } from "../../lib/kube/resources.ts";
import { ensureEmptyDiskImage } from "./filesystem.ts";
import { bytesOf } from "./capacity.ts";
import { importPhaseOf } from "./import_state.ts";
import { localDirOf, pvNodeOf } from "./types.ts";

/** Whether a claim can be used, and what to do if not. */
export type ClaimResolution =
  /** `plain`: a claim without an import, whose disk.img is made empty on first use. */
  | { kind: "ready"; dir: string; capacityBytes: bigint; plain: boolean }
  | { kind: "retry"; message: string }
  | { kind: "terminal"; message: string };

/** Decides whether the claim `namespace/name` is ready on `node`. */
export function claimResolution(
  namespace: string,
  name: string,
  pvc: PersistentVolumeClaim | undefined,
  pv: PersistentVolume | undefined,
  node: string,
  volumesDir: string,
): ClaimResolution {
  const claim = `${namespace}/${name}`;
  if (!pvc) return { kind: "retry", message: `claim ${claim} does not exist` };
  const volumeName = pvc.spec?.volumeName;
  if (pvc.status?.phase !== "Bound" || !volumeName) {
    return { kind: "retry", message: `claim ${claim} is not bound yet` };
  }
  if (!pv) {
    return {
      kind: "retry",
      message: `claim ${claim} is bound to volume ${volumeName}, not seen yet`,
    };
  }
  const dir = localDirOf(pv, node, volumesDir);
  if (!dir) {
    const pvNode = pvNodeOf(pv);
    return {
      kind: "terminal",
      message: `claim ${claim} is bound to volume ${volumeName}` +
        (pvNode ? ` on node ${pvNode}` : " on no node") +
        `, which is not a denovirt-local volume of node ${node}`,
    };
  }
  const annotations = pvc.metadata?.annotations ?? {};
  const importing = importSourceOf(annotations) !== undefined;
  const phase = importPhaseOf(pvc);
  if (importing && phase === "Failed") {
    const reason = annotations[ANN_RUNNING_REASON];
    const why = annotations[ANN_RUNNING_MESSAGE] || reason || "no reason given";
    return { kind: "retry", message: `claim ${claim} failed to import: ${why}` };
  }
  if (importing && phase !== "Succeeded") {
    return { kind: "retry", message: `claim ${claim} is still being imported (phase ${phase})` };
  }
  const capacityBytes = bytesOf(pv.spec?.capacity?.storage) ?? 0n;
  return { kind: "ready", dir, capacityBytes, plain: !importing };
}

/**
 * The directory of claim `namespace/name` on this node, ready for a VMI, from the caches; a
 * plain claim gets its empty disk.img on first use. Throws (TerminalError for what waiting
 * cannot fix) while it is not ready.
 */
export async function resolveClaimDir(
  cache: CacheReader,
  where: { node: string; volumesDir: string },
  namespace: string,
  name: string,
): Promise<string> {
  const pvc = cache<PersistentVolumeClaim>(persistentVolumeClaims).get(`${namespace}/${name}`);
  const volumeName = pvc?.spec?.volumeName;
  const pv = volumeName ? cache<PersistentVolume>(persistentVolumes).get(volumeName) : undefined;
  const resolution = claimResolution(namespace, name, pvc, pv, where.node, where.volumesDir);
  switch (resolution.kind) {
    case "retry":
      throw new Error(resolution.message);
    case "terminal":
      throw new TerminalError(resolution.message);
    case "ready":
      if (resolution.plain) {
        await ensureEmptyDiskImage(resolution.dir, where.volumesDir, resolution.capacityBytes);
      }
      return resolution.dir;
  }
}
