/**
 * Imports, decided: which claims need one, and the annotations each step of an import writes
 * back on the claim (as CDI's import controller writes them from its importer pod).
 */
import type { PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import {
  ANN_POD_PHASE,
  ANN_POD_RESTARTS,
  ANN_PROGRESS,
  ANN_RUNNING_CONDITION,
  ANN_RUNNING_MESSAGE,
  ANN_RUNNING_REASON,
  type ImportPhase,
  type ImportSourceKind,
  importSourceOf,
} from "../../api/storage_annotations.ts";
import { bytesOf } from "./capacity.ts";
import { localDirOf } from "./types.ts";

/** One step of an import, as the claim's annotations tell it. */
export type ImportStep =
  /** An attempt begins. */
  | { step: "started" }
  | { step: "progress"; bytes: number; totalBytes?: number | undefined }
  | { step: "succeeded" }
  /** A terminal failure: not retried until someone changes the claim. */
  | { step: "failed"; reason: string; message: string }
  /** A failed attempt that is retried after a backoff; `restarts` counts it. */
  | { step: "retrying"; restarts: number; reason: string; message: string }
  /** Not started: something it needs (a Secret, the clone source) is not there yet. */
  | { step: "waiting"; reason: string; message: string };

/** The import a bound claim asks for on this node. */
export interface WantedImport {
  /** The volume's directory. */
  dir: string;
  capacityBytes: number;
  source: ImportSourceKind;
}

/** The phase the claim's annotations record; "Pending" when none is recorded yet. */
export function importPhaseOf(pvc: PersistentVolumeClaim): ImportPhase {
  const phase = pvc.metadata?.annotations?.[ANN_POD_PHASE];
  return phase === "Running" || phase === "Succeeded" || phase === "Failed" ? phase : "Pending";
}

/**
 * The import the claim needs now: bound to `pv`, one of this node's local volumes, annotated
 * with an import source, and not yet Succeeded or Failed. Undefined when there is none to run.
 */
export function wantedImportOf(
  pvc: PersistentVolumeClaim,
  pv: PersistentVolume | undefined,
  node: string,
  volumesDir: string,
): WantedImport | undefined {
  const source = importSourceOf(pvc.metadata?.annotations);
  if (!source || !pv || pvc.metadata?.deletionTimestamp) return undefined;
  if (pvc.status?.phase !== "Bound" || pvc.spec?.volumeName !== pv.metadata?.name) return undefined;
  const claimUid = pv.spec?.claimRef?.uid;
  if (claimUid && claimUid !== pvc.metadata?.uid) return undefined;
  const dir = localDirOf(pv, node, volumesDir);
  if (!dir) return undefined;
  const phase = importPhaseOf(pvc);
  if (phase === "Succeeded" || phase === "Failed") return undefined;
  const capacity = bytesOf(pv.spec?.capacity?.storage) ?? 0n;
  return { dir, capacityBytes: Number(capacity), source };
}

/** `"45.20%"` of bytes received, when the total is known. */
export function progressText(bytes: number, totalBytes: number | undefined): string | undefined {
  if (!totalBytes || totalBytes <= 0) return undefined;
  const percent = Math.min(100, Math.max(0, (bytes / totalBytes) * 100));
  return `${percent.toFixed(2)}%`;
}

/** The restarts the claim records so far. */
export function restartsOf(pvc: PersistentVolumeClaim): number {
  const n = Number(pvc.metadata?.annotations?.[ANN_POD_RESTARTS] ?? "0");
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The annotations a step writes (only those it sets; the rest stay as they are). */
export function importAnnotations(step: ImportStep): Record<string, string> {
  const phase = (p: ImportPhase) => ({ [ANN_POD_PHASE]: p });
  const running = (value: boolean, reason: string, message: string) => ({
    [ANN_RUNNING_CONDITION]: String(value),
    [ANN_RUNNING_REASON]: reason,
    [ANN_RUNNING_MESSAGE]: message,
  });
  switch (step.step) {
    case "started":
      return { ...phase("Running"), ...running(true, "", ""), [ANN_PROGRESS]: "0.00%" };
    case "progress": {
      const text = progressText(step.bytes, step.totalBytes);
      return text ? { [ANN_PROGRESS]: text } : {};
    }
    case "succeeded":
      return {
        ...phase("Succeeded"),
        ...running(false, "Completed", "Import Complete"),
        [ANN_PROGRESS]: "100.0%",
      };
    case "failed":
      return { ...phase("Failed"), ...running(false, step.reason, step.message) };
    case "retrying":
      return {
        ...phase("Running"),
        ...running(false, step.reason, step.message),
        [ANN_POD_RESTARTS]: String(step.restarts),
      };
    case "waiting":
      return { ...phase("Pending"), ...running(false, step.reason, step.message) };
  }
}

/** The annotations of `desired` that differ from `current`; undefined when none do. */
export function annotationChanges(
  current: Record<string, string> | undefined,
  desired: Record<string, string>,
): Record<string, string> | undefined {
  const changes = Object.entries(desired).filter(([key, value]) => current?.[key] !== value);
  return changes.length ? Object.fromEntries(changes) : undefined;
}
