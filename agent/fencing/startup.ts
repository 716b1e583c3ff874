/**
 * Start-up fencing, a controller with one seed key (this node) that starts before the caches'
 * first lists: every domain this node's agent made whose VMI is gone, finished or assigned
 * elsewhere is destroyed, undefined and its files removed; and if the node's Lease was not
 * renewed within the fence time, every running domain is destroyed. It reads the API server
 * itself, not the caches. Until one pass succeeds it holds the fence gate closed, so no domain
 * starts; a failing pass is retried with the queue's backoff, and while the Lease cannot be read
 * it fences by the last renewal known (recorded on disk, or read in an earlier pass).
 */
import type { VMI } from "../../api/mod.ts";
import { NODE_LEASE_NAMESPACE } from "../../api/mod.ts";
import type { BackoffPolicy } from "../../lib/backoff.ts";
import type { Controller, ReconcileContext } from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { leases, virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { Lease } from "../../lib/leader_lease.ts";
import type { NodeFacts } from "../domain/mod.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import { destroyActive, ownedDomains, removeDomain } from "./domains.ts";
import type { FenceGate } from "./gate.ts";
import { lastRenewalFile, readLastRenewal } from "./last_renewal.ts";
import { fenceVerdict, mayKeepAtStart } from "./verdict.ts";

export interface StartupFenceOptions {
  /** This node; only its name and run directory matter (files of removed domains). */
  node: NodeFacts;
  /** libvirt without the gate (destroying is always allowed). */
  hypervisor: Hypervisor;
  fenceSeconds: number;
  dataDir: string;
  gate: FenceGate;
  now?: () => number;
}

/** Retries while the API server cannot be reached: soon at first, then every 10 s at most. */
export const STARTUP_FENCE_BACKOFF: BackoffPolicy = {
  baseMs: 500,
  maxMs: 10_000,
  factor: 2,
  jitter: 0.2,
};

/** The start-up fencing controller of the agent on `opts.node`. */
export function startupFenceController(opts: StartupFenceOptions): Controller<Lease> {
  const node = opts.node.name;
  const now = opts.now ?? Date.now;
  const fenceMs = opts.fenceSeconds * 1000;
  let checked = false;
  let fencedByDisk = false;
  /** The last renewTime read from the API server in an earlier, failed pass (ms). */
  let seenRenewal: number | undefined;
  return {
    name: "startup-fence",
    // The Lease is only where its key would come from: the seed key is the only one.
    for: leases,
    keyOf: () => undefined,
    seedKeys: () => checked ? [] : [node],
    startsBeforeSync: true,
    concurrency: 1,
    backoff: STARTUP_FENCE_BACKOFF,
    async reconcile(key, ctx) {
      if (key !== node || checked) return;
      let lease: Lease | undefined;
      try {
        lease = await getOrUndefined(() =>
          ctx.rest.get<Lease>(leases, { namespace: NODE_LEASE_NAMESPACE, name: node }, ctx.signal)
        );
      } catch (error) {
        // Without the API server, the last renewal recorded on disk says when to fence.
        if (!ctx.signal.aborted && !fencedByDisk) {
          fencedByDisk = await fenceByRecordedRenewal(opts, ctx, seenRenewal, now(), fenceMs);
        }
        throw new Error(
          `Cannot check this node's domains at start-up; no domain starts until then: ${
            messageOf(error)
          }`,
          { cause: error },
        );
      }
      const renewTime = lease?.spec?.renewTime;
      if (renewTime) seenRenewal = Math.max(seenRenewal ?? 0, Date.parse(renewTime) || 0);
      // Errors from here on (libvirt, a VMI read) are retried with the queue's backoff.
      await checkDomains(opts, ctx, lease, now(), fenceMs);
      checked = true;
      opts.gate.open("startup");
      ctx.log.info("This node's domains were checked against the API server");
    },
  };
}

/** Removes the domains this node may not keep; destroys all running ones if the Lease is old. */
async function checkDomains(
  opts: StartupFenceOptions,
  ctx: ReconcileContext<Lease>,
  lease: Lease | undefined,
  now: number,
  fenceMs: number,
): Promise<void> {
  const { hypervisor, node } = opts;
  const domains = await ownedDomains(hypervisor, node.name);
  const renewTime = lease?.spec?.renewTime ?? undefined;
  if (lease && fenceVerdict(Date.parse(renewTime ?? ""), now, fenceMs).fenced) {
    const destroyed = await destroyActive(hypervisor, domains);
    if (destroyed.length) {
      ctx.log.error("Node fenced at start-up: its Lease was not renewed within the fence time", {
        renewTime,
        destroyed,
      });
    }
  }
  for (const domain of domains) {
    const { namespace, name } = domain.owner;
    const vmi = await getOrUndefined(() =>
      ctx.rest.get<VMI>(virtualMachineInstances, { namespace, name }, ctx.signal)
    );
    if (mayKeepAtStart(domain, vmi, node.name)) continue;
    await removeDomain(hypervisor, domain, node, opts.dataDir);
    ctx.log.info("Stale domain removed at start-up: its VMI is not assigned to this node", {
      domain: domain.name,
      vmi: `${namespace}/${name}`,
      uid: domain.owner.uid,
    });
  }
}

/**
 * Destroys every running domain if the last renewal known (on disk, or read in an earlier pass)
 * is too old; answers whether it did.
 */
async function fenceByRecordedRenewal(
  opts: StartupFenceOptions,
  ctx: ReconcileContext<Lease>,
  seenRenewal: number | undefined,
  now: number,
  fenceMs: number,
): Promise<boolean> {
  try {
    const recorded = await readLastRenewal(lastRenewalFile(opts.dataDir));
    const known = [recorded, seenRenewal].filter((t) => t !== undefined);
    const last = known.length > 0 ? Math.max(...known) : undefined;
    if (!fenceVerdict(last, now, fenceMs).fenced) return false;
    const destroyed = await destroyActive(
      opts.hypervisor,
      await ownedDomains(opts.hypervisor, opts.node.name),
    );
    ctx.log.error("Node fenced at start-up: no Lease renewal within the fence time is known", {
      lastRenewal: last === undefined ? "none" : new Date(last).toISOString(),
      destroyed,
    });
    return true;
  } catch (error) {
    // libvirt or the disk failed too: the next retry tries again.
    ctx.log.warn("Cannot fence by the last recorded renewal", { error: messageOf(error) });
    return false;
  }
}

async function getOrUndefined<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
