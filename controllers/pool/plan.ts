/** observe -> plan for one VM pool: which VMs to create and which to delete, and its status. Pure. */
import { type Condition, selectorString } from "../../api/mod.ts";
import { timestamp, withCondition, withoutCondition } from "../../api/conditions.ts";
import type { VM } from "../../api/objects.ts";
import type { VirtualMachinePool, VirtualMachinePoolStatus } from "../../api/pool.ts";
import { indexOf, isOwnedBy, vmFor } from "./vm_for.ts";

/** At most this many creates or deletes in one pass (KubeVirt's BurstReplicas). */
export const BURST_REPLICAS = 250;
/** The replica count when `spec.replicas` is not set (KubeVirt's default). */
export const DEFAULT_REPLICAS = 1;
export const REPLICA_PAUSED = "ReplicaPaused";
export const REPLICA_FAILURE = "ReplicaFailure";

/** What a pass sees of one pool: the pool and every VM of its namespace. */
export interface PoolObserved {
  pool: VirtualMachinePool;
  vms: readonly VM[];
}

/** What a pass will do for one pool. */
export interface PoolPlan {
  /** The pool's VMs that are not being deleted. */
  active: VM[];
  create: VM[];
  /** Active VMs to delete, highest index first. */
  delete: VM[];
}

/** The plan: the lowest free indexes are filled first, the highest are removed first. */
export function planPool({ pool, vms }: PoolObserved, burst = BURST_REPLICAS): PoolPlan {
  const active = vms.filter((vm) => isOwnedBy(vm, pool) && !vm.metadata.deletionTimestamp);
  const plan: PoolPlan = { active, create: [], delete: [] };
  if (pool.spec.paused || pool.metadata.deletionTimestamp) return plan;
  const diff = active.length - (pool.spec.replicas ?? DEFAULT_REPLICAS);
  if (diff < 0) {
    // Any VM of the namespace holds its name, the pool's or not, terminating or not.
    const taken = new Set(vms.map((vm) => vm.metadata.name));
    for (let index = 0; plan.create.length < Math.min(-diff, burst); index++) {
      const vm = vmFor(pool, index);
      if (!taken.has(vm.metadata.name)) plan.create.push(vm);
    }
  }
  if (diff > 0) {
    const order = (vm: VM) => indexOf(pool, vm) ?? -1;
    plan.delete = [...active].sort((a, b) => order(b) - order(a)).slice(0, Math.min(diff, burst));
  }
  return plan;
}

/** The status fields the pool controller owns. */
export type PoolStatus =
  & Required<
    Pick<VirtualMachinePoolStatus, "replicas" | "readyReplicas" | "labelSelector">
  >
  & { conditions: Condition[] };

/** The owned status given the pool's active VMs and this pass's failure, if any. */
export function poolStatusOf(
  pool: VirtualMachinePool,
  active: readonly VM[],
  failure: { reason: string; message: string } | undefined,
  now: number,
): PoolStatus {
  const at = timestamp(now);
  let conditions: Condition[] = [...(pool.status?.conditions ?? [])];
  conditions = pool.spec.paused
    ? withCondition(conditions, {
      type: REPLICA_PAUSED,
      status: "True",
      reason: "Paused",
      message: "Controller got paused",
    }, at)
    : withoutCondition(conditions, REPLICA_PAUSED);
  conditions = failure
    ? withCondition(conditions, { type: REPLICA_FAILURE, status: "True", ...failure }, at)
    : withoutCondition(conditions, REPLICA_FAILURE);
  return {
    replicas: active.length,
    readyReplicas: active.filter((vm) => vm.status?.ready === true).length,
    labelSelector: selectorString(pool.spec.selector),
    conditions,
  };
}
