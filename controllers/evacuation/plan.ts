/**
 * observe -> plan for one VMI marked for evacuation (the webhooks set `status.evacuationNodeName`
 * when they refused its launcher pod's eviction), as KubeVirt's evacuation controller: a
 * migration off that node when none is in flight, with KubeVirt's backoff after failed ones, and
 * the mark cleared once the VMI runs elsewhere. Pure.
 */
import {
  EVACUATION_GENERATE_NAME,
  EVACUATION_MIGRATION_ANNOTATION,
  type EvictionStrategy,
  isFinished,
  isLiveMigratable,
  isMigrationFinal,
  migratesOnEviction,
  migrationInFlight,
  type VMI,
  type VMIM,
} from "../../api/mod.ts";

/** What a pass sees of one VMI. */
export interface EvacuationObserved {
  vmi: VMI;
  /** The VMI's migrations. */
  migrations: VMIM[];
  clusterStrategy: EvictionStrategy | undefined;
}

/** What a pass will do. */
export interface EvacuationPlan {
  /** Clear `status.evacuationNodeName`: the VMI left the node. */
  clear: boolean;
  create: VMIM | undefined;
  /** Look again then (a backoff ends). */
  requeueAfterMs: number | undefined;
}

/** KubeVirt's backoff after a failed evacuation migration: 20 s, doubled per further failure. */
export const FIRST_BACKOFF_MS = 20_000;

/** The plan for one VMI at time `now`. */
export function planEvacuation(observed: EvacuationObserved, now: number): EvacuationPlan {
  const { vmi, migrations } = observed;
  const plan: EvacuationPlan = { clear: false, create: undefined, requeueAfterMs: undefined };
  const node = vmi.status?.evacuationNodeName;
  if (!node) return plan;
  if (vmi.status?.nodeName !== node) return { ...plan, clear: true };
  if (vmi.metadata.deletionTimestamp || isFinished(vmi.status?.phase)) return plan;
  if (!migratesOnEviction(vmi, observed.clusterStrategy) || !isLiveMigratable(vmi)) return plan;
  if (migrations.some((m) => !isMigrationFinal(m.status?.phase)) || migrationInFlight(vmi)) {
    return plan;
  }
  const wait = backoffLeft(migrations, now);
  if (wait > 0) return { ...plan, requeueAfterMs: wait };
  return { ...plan, create: evacuationMigrationFor(vmi, node) };
}

/** The migration that moves `vmi` off `node`. */
export function evacuationMigrationFor(vmi: VMI, node: string): VMIM {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceMigration",
    metadata: {
      generateName: EVACUATION_GENERATE_NAME,
      namespace: vmi.metadata.namespace,
      annotations: { [EVACUATION_MIGRATION_ANNOTATION]: node },
    },
    spec: { vmiName: vmi.metadata.name ?? "" },
  };
}

/** Milliseconds until another evacuation migration may start after the failed ones. */
function backoffLeft(migrations: VMIM[], now: number): number {
  const evacuations = migrations
    .filter((m) => m.metadata.annotations?.[EVACUATION_MIGRATION_ANNOTATION] !== undefined)
    .filter((m) => !m.metadata.deletionTimestamp)
    .sort((a, b) =>
      (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "")
    );
  let failures = 0;
  for (const m of evacuations) {
    if (m.status?.phase !== "Failed") break;
    failures++;
  }
  if (failures === 0) return 0;
  const failedAt = Date.parse(
    evacuations[0]!.status?.phaseTransitionTimestamps?.find((t) => t.phase === "Failed")
      ?.phaseTransitionTimestamp ?? "",
  );
  if (Number.isNaN(failedAt)) return 0;
  return Math.max(0, failedAt + FIRST_BACKOFF_MS * 2 ** (failures - 1) - now);
}
