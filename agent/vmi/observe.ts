/** observe(): what plan() needs for one key, read from the caches and from libvirt. */
import { GUEST_INFO_OS, guestOSInfoOf } from "../status/guest_os.ts";
import { GUEST_INFO_INTERFACES, guestInterfacesOf } from "../status/guest_interfaces.ts";
import {
  claimNamesOf,
  isOnNode,
  type PersistentVolumeClaim,
  type Pod,
  type VMI,
} from "../../api/mod.ts";
import { creatorOf, PODS_BY_CREATOR } from "../indexes.ts";
import type { ReadonlyStore } from "../../lib/cache.ts";
import { DomainNotFoundError, type Hypervisor } from "../libvirt/mod.ts";
import { domainUuidInXml, liveDomainFacts, parseDomainOwner } from "../libvirt/xml_read.ts";
import { domainNameOfKey } from "./keys.ts";
import { type DepartedTargets, migratesTo } from "../migration/target_vmis.ts";
import { vmiDataDir } from "../volumes/vmi_dir.ts";
import type { PassMemory } from "./memory.ts";
import type { Observation, ObservedDomain } from "./types.ts";

export interface ObserveContext {
  node: string;
  kvm: boolean;
  vmis: ReadonlyStore<VMI>;
  /** This node's launcher pods, indexed by PODS_BY_CREATOR. */
  pods: ReadonlyStore<Pod>;
  hypervisor: Hypervisor;
  memory: PassMemory;
  /** Claims in the VMIs' namespaces, by `namespace/name`. */
  claims?: ReadonlyStore<PersistentVolumeClaim>;
  /** VMIs migrating to this node (agent/migration/target_vmis.ts). */
  targets?: ReadonlyStore<VMI>;
  /** VMIs that stopped migrating here, whose prepared files may still be here. */
  departed?: DepartedTargets;
  /** The migration job this process runs for a key. */
  migrationJob?: (key: string) => { migrationUid: string; aborting: boolean } | undefined;
  /** This node's address, reported by migration targets. */
  nodeAddress?: string;
  /** The agent's data directory (a migration target's files are looked for there). */
  dataDir?: string;
  /** Why no domain may start on this node now (the fence gate), or undefined. */
  startsRefused?: () => string | undefined;
  /** Reads the VMI from the API server, bypassing the cache (undefined: it does not exist). */
  getVmi(key: string): Promise<VMI | undefined>;
  /** Lists the VMI's launcher pods on the API server, bypassing the cache. */
  listPods(vmi: VMI): Promise<Pod[]>;
  now?: () => Date;
}

/** Reads the VMI (as cached, or as last written when the cache lags), its pod and its domain. */
export async function observe(key: string, ctx: ObserveContext): Promise<Observation> {
  let vmi = freshest(key, ctx) ?? migratingHere(key, ctx);
  const domain = await observeDomain(domainNameOfKey(key), ctx.hypervisor);
  if (!vmi && domain?.owner?.node === ctx.node) {
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
  const refused = ctx.startsRefused?.();
  if (refused !== undefined) observation.startsRefused = refused;
  const lastError = ctx.memory.lastError.get(key);
  if (lastError !== undefined) observation.lastError = lastError;
  if (!ctx.memory.networkEnsured.has(key)) observation.networkUnchecked = true;
  const mayRunHere = vmi?.status?.nodeName === ctx.node && isOnNode(vmi.status?.phase) &&
    !vmi.metadata.deletionTimestamp;
  if (vmi && mayRunHere) {
    await observePod(vmi, ctx, observation);
    observation.claimAccessModes = claimAccessModesOf(vmi, ctx);
  }
  const job = ctx.migrationJob?.(key);
  if (job) observation.migrationJob = job;
  if (ctx.nodeAddress) observation.nodeAddress = ctx.nodeAddress;
  if (vmi && vmi.status?.nodeName !== ctx.node && migratesTo(vmi, ctx.node)) {
    await observeTarget(vmi, ctx, observation);
  }
  const departed = vmi ? undefined : ctx.departed?.uidOf(key);
  if (departed && ctx.dataDir) {
    const left = await Deno.stat(vmiDataDir(ctx.dataDir, departed)).then(() => true, () => false);
    if (left) observation.departedTarget = departed;
    else ctx.departed!.forget(key);
  }
  return observation;
}

/** The VMI's launcher pod: from the cache, or from the API server before calling it missing. */
async function observePod(vmi: VMI, ctx: ObserveContext, o: Observation): Promise<void> {
  const uid = vmi.metadata.uid ?? "";
  let pods = ctx.pods.byIndex(PODS_BY_CREATOR.name, uid);
  if (pods.length === 0) {
    pods = (await ctx.listPods(vmi)).filter((p) => creatorOf(p).includes(uid));
    if (pods.length === 0) o.launcherPodMissing = true;
  }
  const pod = pods.find((p) => !p.metadata?.deletionTimestamp) ?? pods[0];
  if (!pod) return;
  o.launcherPod = pod;
}

/** A VMI migrating to this node, from the watch of migration targets. */
function migratingHere(key: string, ctx: ObserveContext): VMI | undefined {
  const vmi = ctx.targets?.get(key);
  return vmi && migratesTo(vmi, ctx.node) ? vmi : undefined;
}

/** The migration's target pod on this node, and whether files of the VMI are here. */
async function observeTarget(vmi: VMI, ctx: ObserveContext, o: Observation): Promise<void> {
  const name = vmi.status?.migrationState?.targetPod;
  const pod = ctx.pods.byIndex(PODS_BY_CREATOR.name, vmi.metadata.uid ?? "")
    .find((p) => p.metadata?.name === name && !p.metadata?.deletionTimestamp);
  if (pod) o.targetPod = pod;
  if (ctx.dataDir) {
    o.targetFiles = await Deno.stat(vmiDataDir(ctx.dataDir, vmi.metadata.uid))
      .then(() => true, () => false);
  }
}

/** Access modes of the VMI's claims that are cached (the others are not known yet). */
function claimAccessModesOf(vmi: VMI, ctx: ObserveContext): Record<string, string[]> {
  const modes: Record<string, string[]> = {};
  for (const name of claimNamesOf(vmi.spec.volumes)) {
    const claim = ctx.claims?.get(`${vmi.metadata.namespace}/${name}`);
    if (claim?.spec?.accessModes) modes[name] = [...claim.spec.accessModes];
  }
  return modes;
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
    // Side by side: each is a lookup and a call to libvirtd, which a busy libvirtd (domains
    // starting) answers slowly. The XML is the live one of a running domain, else its definition.
    const [status, metadata, xml] = await Promise.all([
      hypervisor.state(name),
      hypervisor.metadata(name),
      hypervisor.xml(name),
    ]);
    const owner = parseDomainOwner(metadata);
    const active = status.state !== "shutoff";
    const live = active ? liveDomainFacts(xml) : undefined;
    if (live?.guestAgentConnected && status.state === "running") {
      // One more call, only while an agent is connected; an agent that does not answer (busy,
      // rebooting) leaves the last report in place. libvirt fails the whole call when the guest
      // refuses one of the asked types, so an agent without the interfaces still reports its OS.
      const report = await hypervisor.guestInfo(name, GUEST_INFO_OS | GUEST_INFO_INTERFACES)
        .catch(() => hypervisor.guestInfo(name, GUEST_INFO_OS))
        .catch(() => undefined);
      if (report) {
        live.guestOS = guestOSInfoOf(report) as Record<string, string>;
        if (report["if.count"] !== undefined) live.guestInterfaces = guestInterfacesOf(report);
      }
    }
    return {
      name,
      uuid: domainUuidInXml(xml) ?? name,
      state: status.state,
      reason: status.reasonName,
      owner: owner ? { uid: owner.uid, node: owner.node } : undefined,
      live,
    };
  } catch (error) {
    // Gone between calls, or never there.
    if (error instanceof DomainNotFoundError) return undefined;
    throw error;
  }
}
