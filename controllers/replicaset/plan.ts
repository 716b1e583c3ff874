/** observe -> plan for one replica set: claims, scaling and the cleanup of ended VMIs. Pure. */
import {
  isFinished,
  isVmiPodTerminating,
  isVmiReady,
  selects,
  type VMI,
  type VMIRS,
} from "../../api/mod.ts";
import { type Claims, claimVmis } from "./claim.ts";

/** KubeVirt's BurstReplicas: at most this many creates or deletes in one pass. */
export const BURST_REPLICAS = 250;

/** The replica count when `spec.replicas` is not set (KubeVirt's default). */
export const DEFAULT_REPLICAS = 1;

/** What a pass sees of one replica set. */
export interface RsObserved {
  rs: VMIRS;
  /** Every VMI of the replica set's namespace. */
  vmis: readonly VMI[];
}

/** What a pass will do for one replica set. */
export interface RsPlan extends Claims {
  /** Claimed VMIs that count: not ended, not being deleted, launcher pod not going away. */
  active: VMI[];
  /** VMIs to create now. */
  create: number;
  /** Active VMIs to delete now, in this order. */
  delete: VMI[];
  /** Ended VMIs, and VMIs whose launcher pod is going away: deleted after a successful scale. */
  cleanup: VMI[];
}

/** Why a replica set cannot be acted on (the webhooks refuse such specs), or undefined. */
export function invalidSpecOf(rs: VMIRS): string | undefined {
  const labels = rs.spec.template.metadata?.labels ?? {};
  if (Object.keys(labels).length === 0) return "spec.template.metadata.labels is empty";
  if (!selects(rs.spec.selector, labels)) {
    return "spec.selector does not match spec.template.metadata.labels";
  }
  return undefined;
}

/** The number of VMIs `rs` asks for. */
export const replicasOf = (rs: VMIRS): number => rs.spec.replicas ?? DEFAULT_REPLICAS;

/** The plan for one replica set. */
export function planReplicaSet({ rs, vmis }: RsObserved, burst = BURST_REPLICAS): RsPlan {
  const claims = claimVmis(rs, vmis);
  const live = claims.claimed.filter((vmi) => !vmi.metadata.deletionTimestamp);
  const ended = live.filter((vmi) => isFinished(vmi.status?.phase));
  // KubeVirt's "unknown" VMIs: their launcher pod is being deleted, so they will not run on.
  const podGone = live.filter((vmi) => !isFinished(vmi.status?.phase) && isVmiPodTerminating(vmi));
  const active = live.filter((vmi) => !ended.includes(vmi) && !podGone.includes(vmi));
  const plan: RsPlan = { ...claims, active, create: 0, delete: [], cleanup: [] };
  if (rs.spec.paused || rs.metadata.deletionTimestamp) return plan;
  const diff = active.length - replicasOf(rs);
  if (diff < 0) plan.create = Math.min(-diff, burst);
  if (diff > 0) plan.delete = [...active].sort(deletionOrder).slice(0, Math.min(diff, burst));
  plan.cleanup = [...ended, ...podGone].slice(0, burst);
  return plan;
}

/** Whether the plan writes anything (then the pass confirms it against a live list first). */
export function planWrites(plan: RsPlan): boolean {
  return plan.adopt.length + plan.release.length + plan.create + plan.delete.length +
      plan.cleanup.length > 0;
}

/**
 * Which VMIs go first on scale-down. KubeVirt takes them in its cache's order (its comment
 * proposes "not yet running < migrating < other"); denovirt picks the cheapest to lose, as
 * Kubernetes' ReplicaSet does: not yet Running, then not Ready, then the newest.
 */
export function deletionOrder(a: VMI, b: VMI): number {
  const rank = (vmi: VMI) => vmi.status?.phase !== "Running" ? 0 : isVmiReady(vmi) ? 2 : 1;
  return rank(a) - rank(b) ||
    (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "") ||
    (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
}
