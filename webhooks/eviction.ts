// The pods/eviction validator, as KubeVirt's pod eviction admitter: the eviction of a launcher
// pod whose VMI should live-migrate on eviction is refused (429, as a PodDisruptionBudget would)
// and the VMI is marked with `status.evacuationNodeName` for the controllers to migrate it; other
// evictions go through, and the VM stops as its pod goes.
import {
  DOMAIN_ANNOTATION,
  type EvictionStrategy,
  evictionStrategyOf,
  isFinished,
  isLiveMigratable,
  LAUNCHER_LABEL,
  LAUNCHER_LABEL_VALUE,
  type Pod,
  type VirtualMachineInstance,
} from "../api/mod.ts";
import { messageOf } from "../lib/errors.ts";
import type { AdmissionRequest } from "./admission.ts";
import type { Verdict } from "./review.ts";

/** What the eviction validator reads and writes. */
export interface EvictionLookups {
  getPod(namespace: string, name: string): Promise<Pod | undefined>;
  getVmi(namespace: string, name: string): Promise<VirtualMachineInstance | undefined>;
  /** The cluster's default strategy (`evictionStrategy` in ConfigMap denovirt-config). */
  clusterEvictionStrategy(): Promise<EvictionStrategy | undefined>;
  /** Sets the VMI's `status.evacuationNodeName` (the webhooks' one write). */
  markForEvacuation(namespace: string, name: string, node: string, dryRun: boolean): Promise<void>;
}

/** A refusal of an eviction: always 429, which `kubectl drain` retries. */
const tooMany = (message: string): Verdict => ({ allowed: false, code: 429, message });
const ALLOWED: Verdict = { allowed: true };

/** The verdict on one eviction request (pods/eviction CREATE). */
export async function evictionVerdict(
  request: AdmissionRequest,
  lookups: EvictionLookups,
): Promise<Verdict> {
  const { namespace, name } = request;
  const pod = await lookups.getPod(namespace, name).catch(() => undefined);
  if (!pod || pod.metadata?.labels?.[LAUNCHER_LABEL] !== LAUNCHER_LABEL_VALUE) return ALLOWED;
  if (isFinished(pod.status?.phase)) return ALLOWED;
  const vmiName = pod.metadata?.annotations?.[DOMAIN_ANNOTATION];
  if (!vmiName) return ALLOWED;
  let vmi: VirtualMachineInstance | undefined;
  let strategy: EvictionStrategy | undefined;
  try {
    vmi = await lookups.getVmi(namespace, vmiName);
    if (!vmi) throw new Error(`virtualmachineinstance "${vmiName}" not found`);
    strategy = evictionStrategyOf(vmi, await lookups.clusterEvictionStrategy());
  } catch (error) {
    return tooMany(`kubevirt failed getting the vmi: ${messageOf(error)}`);
  }
  const migratable = isLiveMigratable(vmi);
  if (strategy === "LiveMigrate" && !migratable) {
    return tooMany(
      `VMI ${vmiName} is configured with an eviction strategy but is not live-migratable`,
    );
  }
  const mark = strategy === "LiveMigrate" || strategy === "External" ||
    (strategy === "LiveMigrateIfPossible" && migratable);
  if (!mark) return ALLOWED;
  const triggered = `Eviction triggered evacuation of VMI "${namespace}/${vmiName}"`;
  if (vmi.status?.evacuationNodeName) return tooMany(`Evacuation in progress: ${triggered}`);
  const node = pod.spec?.nodeName ?? "";
  if (vmi.status?.nodeName !== node) return tooMany("Eviction request for target Pod");
  try {
    await lookups.markForEvacuation(namespace, vmiName, node, request.dryRun || dryRunOf(request));
  } catch (error) {
    return tooMany(`kubevirt failed marking the vmi for eviction: ${messageOf(error)}`);
  }
  return tooMany(triggered);
}

/** Whether the Eviction object itself asks for a dry run (`deleteOptions.dryRun: [All]`). */
function dryRunOf(request: AdmissionRequest): boolean {
  const eviction = request.object as { deleteOptions?: { dryRun?: unknown } } | null;
  const dryRun = eviction?.deleteOptions?.dryRun;
  return Array.isArray(dryRun) && dryRun[0] === "All";
}
