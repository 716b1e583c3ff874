/**
 * Start-up fencing, before any controller runs: every domain this node's agent made whose VMI is
 * gone, finished or assigned elsewhere is destroyed, undefined and its files removed; and if the
 * node's Lease was not renewed within the fence time, every running domain is destroyed. Without
 * the API server it retries with backoff, starting nothing, and fences by the last renewal it
 * recorded on disk.
 */
import type { VMI } from "../../api/mod.ts";
import { NODE_LEASE_NAMESPACE } from "../../api/mod.ts";
import { Backoff, sleep } from "../../lib/backoff.ts";
import { messageOf } from "../../lib/errors.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { leases, virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { Lease } from "../../lib/leader_lease.ts";
import type { Logger } from "../../lib/log.ts";
import type { NodeFacts } from "../domain/mod.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import { destroyActive, ownedDomains, removeDomain } from "./domains.ts";
import { lastRenewalFile, readLastRenewal } from "./last_renewal.ts";
import { fenceVerdict, mayKeepAtStart } from "./verdict.ts";

export interface StartupFenceOptions {
  node: NodeFacts;
  rest: RestClient;
  hypervisor: Hypervisor;
  fenceSeconds: number;
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
}

/** Runs until this node's domains were checked against the API server (or `signal` aborts). */
export async function fenceAtStartup(opts: StartupFenceOptions): Promise<void> {
  const { node, rest, hypervisor, log, signal } = opts;
  const backoff = new Backoff({ baseMs: 500, maxMs: 10_000, factor: 2, jitter: 0.2 });
  const fenceMs = opts.fenceSeconds * 1000;
  let fenced = false;
  while (!signal.aborted) {
    try {
      const domains = await ownedDomains(hypervisor, node.name);
      const lease = await getOrUndefined<Lease>(() =>
        rest.get<Lease>(leases, { namespace: NODE_LEASE_NAMESPACE, name: node.name }, signal)
      );
      if (
        lease && fenceVerdict(Date.parse(lease.spec?.renewTime ?? ""), Date.now(), fenceMs).fenced
      ) {
        const destroyed = await destroyActive(hypervisor, domains);
        if (destroyed.length) {
          log.error("Node fenced at start-up: its Lease was not renewed within the fence time", {
            renewTime: lease.spec?.renewTime,
            destroyed,
          });
        }
      }
      for (const domain of domains) {
        const { namespace, name } = domain.owner;
        const vmi = await getOrUndefined<VMI>(() =>
          rest.get<VMI>(virtualMachineInstances, { namespace, name }, signal)
        );
        if (mayKeepAtStart(domain, vmi, node.name)) continue;
        await removeDomain(hypervisor, domain, node, opts.dataDir);
        log.info("Stale domain removed at start-up: its VMI is not assigned to this node", {
          domain: domain.name,
          vmi: `${namespace}/${name}`,
          uid: domain.owner.uid,
        });
      }
      return;
    } catch (error) {
      if (signal.aborted) return;
      // Without the API server, the last renewal recorded on disk says when to fence.
      const last = await readLastRenewal(lastRenewalFile(opts.dataDir)).catch(() => undefined);
      if (!fenced && fenceVerdict(last, Date.now(), fenceMs).fenced) {
        const destroyed = await destroyActive(hypervisor, await ownedDomains(hypervisor, node.name))
          .catch(() => []);
        fenced = true;
        log.error("Node fenced at start-up: no Lease renewal within the fence time is known", {
          lastRenewal: last === undefined ? "none" : new Date(last).toISOString(),
          destroyed,
        });
      }
      const retryInMs = backoff.next();
      log.warn("Cannot check this node's domains at start-up; no domain starts until then", {
        error: messageOf(error),
        retryInMs,
      });
      await sleep(retryInMs, signal);
    }
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
