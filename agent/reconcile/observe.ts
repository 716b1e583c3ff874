/** observe(): what plan() needs for one key, read from the caches and from libvirt. */
import { CREATED_BY_LABEL, type VMI } from "../../api/mod.ts";
import type { ReadonlyStore } from "../../lib/cache.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import { DomainNotFoundError, type Hypervisor } from "../libvirt/mod.ts";
import { liveDomainFacts } from "../status/domain_facts.ts";
import { domainNameOfKey, parseDomainOwner } from "./keys.ts";
import type { Observation, ObservedDomain } from "./types.ts";

/** What one agent remembers between passes; losing it on restart only repeats harmless steps. */
export class PassMemory {
  /** When the guest of a key was last asked to shut down. */
  readonly shutdownRequestedAt = new Map<string, number>();
  /** The last start error of a key, for the Failed message. */
  readonly lastError = new Map<string, string>();
  /** Objects written since the cache last changed, by key, with the version they replaced. */
  readonly written = new Map<string, { replaced: string; object: VMI }>();

  /** Forget a key (its VMI and domain are gone). */
  forget(key: string): void {
    this.shutdownRequestedAt.delete(key);
    this.lastError.delete(key);
    this.written.delete(key);
  }
}

export interface ObserveContext {
  node: string;
  kvm: boolean;
  vmis: ReadonlyStore<VMI>;
  /** Launcher pods of this node, when watched. */
  pods?: ReadonlyStore<KubeObject>;
  hypervisor: Hypervisor;
  memory: PassMemory;
  /** Reads the VMI from the API server, bypassing the cache (undefined: it does not exist). */
  getVmi?: (key: string) => Promise<VMI | undefined>;
  now?: () => Date;
}

/** Reads the VMI (as cached, or as last written when the cache lags) and its domain. */
export async function observe(key: string, ctx: ObserveContext): Promise<Observation> {
  let vmi = freshest(key, ctx);
  const domain = await observeDomain(domainNameOfKey(key), ctx.hypervisor);
  if (!vmi && domain?.owner?.node === ctx.node && ctx.getVmi) {
    // About to tear down a running domain as an orphan: make sure the VMI is really gone, not
    // just missing from the cache (a lagging watch, a label someone removed).
    const live = await ctx.getVmi(key);
    if (live?.metadata.uid === domain.owner.uid) vmi = live;
  }
  const observation: Observation = {
    key,
    node: ctx.node,
    kvm: ctx.kvm,
    now: (ctx.now?.() ?? new Date()).toISOString(),
    vmi,
    domain,
  };
  const shutdownAt = ctx.memory.shutdownRequestedAt.get(key);
  if (shutdownAt !== undefined) observation.shutdownRequestedAt = shutdownAt;
  const lastError = ctx.memory.lastError.get(key);
  if (lastError !== undefined) observation.lastError = lastError;
  const podDeleted = vmi && launcherPodDeletion(vmi, ctx.pods);
  if (podDeleted) observation.launcherPodDeletedAt = podDeleted;
  return observation;
}

/** The cached VMI, unless this agent wrote a newer version the watch has not delivered yet. */
function freshest(key: string, ctx: ObserveContext): VMI | undefined {
  const cached = ctx.vmis.get(key);
  const written = ctx.memory.written.get(key);
  if (!written) return cached;
  if (cached && cached.metadata.resourceVersion === written.replaced) return written.object;
  ctx.memory.written.delete(key);
  return cached;
}

/** The domain named `name`, or undefined when there is none. */
export async function observeDomain(
  name: string,
  hypervisor: Hypervisor,
): Promise<ObservedDomain | undefined> {
  try {
    const status = await hypervisor.state(name);
    const owner = parseDomainOwner(await hypervisor.metadata(name));
    const active = status.state !== "shutoff";
    const xml = active ? await hypervisor.xml(name) : undefined;
    const uuid = xml ? uuidInXml(xml) : undefined;
    return {
      name,
      uuid: uuid ?? uuidInXml(await hypervisor.xml(name, { inactive: true })) ?? name,
      state: status.state,
      reason: status.reasonName,
      owner: owner ? { uid: owner.uid, node: owner.node } : undefined,
      live: xml ? liveDomainFacts(xml) : undefined,
    };
  } catch (error) {
    // Gone between calls, or never there.
    if (error instanceof DomainNotFoundError) return undefined;
    throw error;
  }
}

function uuidInXml(xml: string): string | undefined {
  return /<uuid>\s*([0-9a-fA-F-]{36})\s*<\/uuid>/.exec(xml)?.[1]?.toLowerCase();
}

/** The deletion deadline of the VMI's launcher pod on this node, if it is being deleted. */
function launcherPodDeletion(
  vmi: VMI,
  pods: ReadonlyStore<KubeObject> | undefined,
): string | undefined {
  const uid = vmi.metadata.uid;
  if (!pods || !uid) return undefined;
  for (const pod of pods.byIndex("byNamespace", vmi.metadata.namespace ?? "")) {
    if (pod.metadata?.labels?.[CREATED_BY_LABEL] !== uid) continue;
    if (pod.metadata.deletionTimestamp) return pod.metadata.deletionTimestamp;
  }
  return undefined;
}
