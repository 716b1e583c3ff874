/**
 * The agent's VMI controller: the VMIs bound to this node against libvirt's domains. A key is a
 * VMI (`namespace/name`, its domain `namespace_name`); changes of the VMI, of its launcher pod,
 * of its claims and of its domain, and the end of an image pull it waits for, all enqueue it. Each pass: observe -> plan -> apply.
 */
import { claimNamesOf, type PersistentVolumeClaim, type Pod, type VMI } from "../../api/mod.ts";
import type { CacheReader, Controller, ReconcileResult } from "../../lib/controller.ts";
import { dropManagedFields } from "../../lib/cache.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { keyFor, keyOf, type KubeObject, splitKey } from "../../lib/kube/object.ts";
import { persistentVolumeClaims, pods, virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { ChangeSource } from "../../lib/change_source.ts";
import type { NodeFacts } from "../domain/mod.ts";
import type { FenceGate } from "../fencing/gate.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import type { DomainObject } from "../libvirt/watch.ts";
import type { VolumeContext } from "../volumes/mod.ts";
import type { VmNetworkAttacher } from "../network/attach.ts";
import { apply } from "./apply.ts";
import type { MigrationRuntime } from "../migration/source_steps.ts";
import { DepartedTargets, migratesTo } from "../migration/target_vmis.ts";
import { keyOfDomainName } from "./keys.ts";
import type { PassMemory } from "./memory.ts";
import { observe } from "./observe.ts";
import { creatorOf, PODS_BY_CREATOR, VMIS_BY_UID } from "../indexes.ts";
import { plan } from "./plan.ts";

/** The controller's name, to enqueue its keys from outside (pause, unpause). */
export const VMI_CONTROLLER = "vmi";

/** Index of VMIs by the `namespace/name` of each claim they use. */
const BY_CLAIM = "byClaim";

export interface VmiControllerOptions {
  node: string;
  hypervisor: Hypervisor;
  /**
   * The fence gate in front of `hypervisor`: while it is closed, a VMI waits for it instead of
   * failing its start; its opening enqueues every VMI.
   */
  fence?: FenceGate;
  /** This node's libvirt domains: their changes enqueue the VMI of the same name. */
  domains: ChangeSource<DomainObject>;
  /** Ended image pulls, one object per waiting VMI under the VMI's name: they enqueue it. */
  pulls: ChangeSource;
  /** The facts domains are rendered with; known once libvirt answered. */
  nodeFacts(): Promise<NodeFacts>;
  /** Volume preparation, with the caches of the pass (claims resolve against them). */
  volumes(cache: CacheReader): VolumeContext;
  memory: PassMemory;
  /** Joins guests to their launcher pod's network. */
  network: VmNetworkAttacher;
  /** VMIs reconciled at once. */
  workers: number;
  /** VMIs migrating to this node (a watch of its own: they are not bound here yet). */
  targets?: ChangeSource<VMI>;
  /** Live migration's jobs and settings; without it the agent takes part in none. */
  migrations?: MigrationRuntime;
  /** This node's address, which a migration target reports. */
  nodeAddress?: string;
}

/** The agent's VMI controller. */
export function vmiController(opts: VmiControllerOptions): Controller<VMI> {
  const departed = opts.targets ? new DepartedTargets().follow(opts.targets) : undefined;
  const vmiKeysOfPod = (pod: KubeObject, cache: CacheReader) =>
    creatorOf(pod).flatMap((uid) => {
      const bound = cache<VMI>(virtualMachineInstances).byIndex(VMIS_BY_UID.name, uid);
      if (bound.length > 0 || !opts.targets) return bound.map(keyOf);
      // A migration's target pod: its VMI is bound to the source node still.
      return opts.targets.store.list().filter((v) => v.metadata.uid === uid).map(keyOf);
    });
  const vmiKeysOfClaim = (pvc: KubeObject, cache: CacheReader) =>
    cache<VMI>(virtualMachineInstances).byIndex(BY_CLAIM, keyOf(pvc)).map(keyOf);
  return {
    name: VMI_CONTROLLER,
    for: virtualMachineInstances,
    watches: [
      { resource: pods, mapToKeys: vmiKeysOfPod },
      { resource: persistentVolumeClaims, mapToKeys: vmiKeysOfClaim },
      { source: opts.pulls, mapToKeys: (notice) => [keyOf(notice)] },
      ...(opts.targets
        ? [{
          source: opts.targets as ChangeSource,
          mapToKeys: (vmi: KubeObject) => migratesTo(vmi as VMI, opts.node) ? [keyOf(vmi)] : [],
        }]
        : []),
      ...(opts.fence
        ? [{
          source: opts.fence.changes as ChangeSource,
          mapToKeys: (_: KubeObject, cache: CacheReader) => [
            ...cache<VMI>(virtualMachineInstances).list().map(keyOf),
            ...(opts.targets?.store.list().filter((v) => migratesTo(v, opts.node)).map(keyOf) ??
              []),
          ],
        }]
        : []),
      {
        source: opts.domains as ChangeSource,
        mapToKeys: (domain) => {
          const key = keyOfDomainName(domain.metadata?.name ?? "");
          return key ? [key] : [];
        },
      },
    ],
    indexes: [
      VMIS_BY_UID,
      {
        resource: virtualMachineInstances,
        name: BY_CLAIM,
        index: (o) =>
          claimNamesOf((o as VMI).spec?.volumes).map((name) => keyFor(o.metadata?.namespace, name)),
      },
      PODS_BY_CREATOR,
    ],
    concurrency: opts.workers,
    backoff: { baseMs: 200, maxMs: 30_000, factor: 2, jitter: 0.2 },
    async reconcile(key, ctx): Promise<ReconcileResult | void> {
      const node = await opts.nodeFacts();
      const observation = await observe(key, {
        node: opts.node,
        kvm: node.kvm,
        vmis: ctx.cache<VMI>(virtualMachineInstances),
        pods: ctx.cache<Pod>(pods),
        claims: ctx.cache<PersistentVolumeClaim>(persistentVolumeClaims),
        ...(opts.targets ? { targets: opts.targets.store, departed } : {}),
        ...(opts.migrations ? { migrationJob: (k: string) => opts.migrations!.jobs.of(k) } : {}),
        ...(opts.nodeAddress ? { nodeAddress: opts.nodeAddress } : {}),
        dataDir: opts.volumes(ctx.cache).dataDir,
        hypervisor: opts.hypervisor,
        memory: opts.memory,
        ...(opts.fence ? { startsRefused: () => opts.fence!.closedBecause } : {}),
        getVmi: async (k) => {
          const { namespace, name } = splitKey(k);
          try {
            return dropManagedFields(
              await ctx.rest.get<VMI>(virtualMachineInstances, { namespace: namespace!, name }),
            );
          } catch (error) {
            if (isNotFound(error)) return undefined;
            throw error;
          }
        },
        listPods: async (vmi) =>
          (await ctx.rest.list<Pod>(pods, {
            namespace: vmi.metadata.namespace ?? "",
            fieldSelector: `spec.nodeName=${opts.node}`,
            signal: ctx.signal,
          })).items,
      });
      const steps = plan(observation);
      if (steps.actions.length > 0) {
        ctx.log.debug("Plan", { actions: steps.actions.map((a) => a.type) });
      }
      const outcome = await apply(observation, steps, {
        rest: ctx.rest,
        hypervisor: opts.hypervisor,
        node,
        volumes: opts.volumes(ctx.cache),
        events: ctx.events,
        memory: opts.memory,
        network: opts.network,
        log: ctx.log,
        ...(opts.migrations ? { migrations: opts.migrations } : {}),
      });
      if (outcome === "waiting") return;
      if (outcome === "again" || steps.requeueAfterMs === 0) return { requeue: "now" };
      if (steps.requeueAfterMs !== undefined) return { requeueAfterMs: steps.requeueAfterMs };
    },
  };
}
