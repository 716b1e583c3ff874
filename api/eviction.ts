/**
 * What a VMI's eviction strategy means when its launcher pod is evicted (a drain), decided once
 * for the webhooks (which refuse the eviction and mark the VMI) and the controllers (which then
 * migrate it), as KubeVirt's `VMIEvictionStrategy` and `VMIMigratableOnEviction` do.
 */
import { EVICTION_STRATEGIES, type EvictionStrategy } from "./vmi_spec.ts";
import type { VirtualMachineInstance } from "./virtual_machine_instance.ts";
import { LIVE_MIGRATABLE_CONDITION } from "./live_migratable.ts";

type VmiView = Pick<VirtualMachineInstance, "spec" | "status">;

/** The cluster default from the `evictionStrategy` setting; undefined when unset or unknown. */
export function evictionStrategySetting(value: string | undefined): EvictionStrategy | undefined {
  const trimmed = value?.trim() ?? "";
  return (EVICTION_STRATEGIES as readonly string[]).includes(trimmed)
    ? trimmed as EvictionStrategy
    : undefined;
}

/** The VMI's strategy, else the cluster's; undefined means None. */
export function evictionStrategyOf(
  vmi: VmiView,
  clusterDefault: EvictionStrategy | undefined,
): EvictionStrategy | undefined {
  return vmi.spec.evictionStrategy ?? clusterDefault;
}

/** The VMI's LiveMigratable condition, if the agent reported one. */
export function liveMigratableCondition(vmi: Pick<VirtualMachineInstance, "status">) {
  return vmi.status?.conditions?.find((c) => c.type === LIVE_MIGRATABLE_CONDITION);
}

/** Whether the agent reported the VMI live-migratable. */
export function isLiveMigratable(vmi: Pick<VirtualMachineInstance, "status">): boolean {
  return liveMigratableCondition(vmi)?.status === "True";
}

/** Whether evicting the VMI's pod should migrate it: LiveMigrate, or IfPossible and migratable. */
export function migratesOnEviction(
  vmi: VmiView,
  clusterDefault: EvictionStrategy | undefined,
): boolean {
  const strategy = evictionStrategyOf(vmi, clusterDefault);
  return strategy === "LiveMigrate" ||
    (strategy === "LiveMigrateIfPossible" && isLiveMigratable(vmi));
}
