/**
 * The node-loss controller: one key per node with a Lease in `kube-node-lease`. A node whose Lease
 * has not been renewed for `nodeUnresponsiveSeconds` (ConfigMap denovirt-config) is unresponsive:
 * its agent destroyed its domains at its fence time (api/node_loss.ts), so its VMIs are failed,
 * its launcher pods deleted and its deleted VMIs released here, and their VMs start elsewhere.
 * The judgement is confirmed with a live read of the Lease before anything is written.
 */
import {
  AGENT_FINALIZER,
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  NODE_LEASE_NAMESPACE,
  NODE_UNRESPONSIVE_REASON,
  NODE_UNRESPONSIVE_SECONDS_KEY,
  nodeUnresponsiveMessage,
  nodeUnresponsiveSecondsOf,
  type Pod,
  type VMI,
  VMI_LIFECYCLE_FIELDS,
} from "../../api/mod.ts";
import type { Controller, ReconcileContext } from "../../lib/controller.ts";
import { isConflict, isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import {
  configMaps,
  leases,
  pods as podsResource,
  virtualMachineInstances,
} from "../../lib/kube/resources.ts";
import type { Lease } from "../../lib/leader_lease.ts";
import { editFinalizers, patchFinalizers, patchOwnedStatus } from "../writes.ts";
import { livenessOf, type RenewalSeen, seeRenewal } from "./liveness.ts";
import { planNodeLoss } from "./plan.ts";

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** What the Manager caches for this controller: the node Leases and denovirt's ConfigMap only. */
export const NODE_LOSS_SELECTIONS = [
  { resource: leases, namespace: NODE_LEASE_NAMESPACE },
  {
    resource: configMaps,
    namespace: DENOVIRT_NAMESPACE,
    fieldSelector: `metadata.name=${DENOVIRT_CONFIG_MAP}`,
  },
];

/** The node-loss controller; `now` is for tests. */
export function nodeLossController(opts: { now?: () => number } = {}): Controller<Lease> {
  const now = opts.now ?? Date.now;
  // When each node's last renewal was seen, on this process's clock (liveness.ts).
  const seen = new Map<string, RenewalSeen>();
  let reportedBadValue: string | undefined;
  const nodeOf = (obj: KubeObject) => {
    const node = (obj as { status?: { nodeName?: string } }).status?.nodeName ??
      (obj as Pod).spec?.nodeName;
    return node ? [node] : [];
  };

  const thresholdMs = (ctx: ReconcileContext<Lease>): number => {
    const config = ctx.cache<ConfigMap>(configMaps).get(
      `${DENOVIRT_NAMESPACE}/${DENOVIRT_CONFIG_MAP}`,
    );
    const value = config?.data?.[NODE_UNRESPONSIVE_SECONDS_KEY];
    const { seconds, error } = nodeUnresponsiveSecondsOf(value);
    if (error && value !== reportedBadValue) {
      ctx.log.error(
        `Cannot use ${NODE_UNRESPONSIVE_SECONDS_KEY} of ConfigMap ` +
          `${DENOVIRT_NAMESPACE}/${DENOVIRT_CONFIG_MAP}: it ${error}; using ${seconds} s`,
      );
    }
    reportedBadValue = error ? value : undefined;
    return seconds * 1000;
  };

  return {
    name: "node-loss",
    for: leases,
    keyOf: (lease) =>
      lease.metadata?.namespace === NODE_LEASE_NAMESPACE ? lease.metadata.name : undefined,
    watches: [
      { resource: virtualMachineInstances, mapToKeys: nodeOf },
      { resource: podsResource, mapToKeys: nodeOf },
      // A new threshold applies to every node at once.
      {
        resource: configMaps,
        mapToKeys: (_config, cache) => [...seen.keys(), ...cache(leases).keys()].map(leaseName),
      },
    ],
    concurrency: 2,
    async reconcile(node, ctx) {
      const threshold = thresholdMs(ctx);
      const cached = ctx.cache<Lease>(leases).get(`${NODE_LEASE_NAMESPACE}/${node}`);
      let last = seeRenewal(seen.get(node), renewTimeOf(cached), now());
      // A node that never had a Lease here (a kubelet's Node created by hand) is not judged.
      if (!last) return;
      seen.set(node, last);
      let liveness = livenessOf(last, now(), threshold);
      if (!liveness.unresponsive) return { requeueAfterMs: liveness.unresponsiveInMs + 100 };
      // The cache may lag a renewal: ask the API server before acting on the node's behalf.
      last = seeRenewal(last, renewTimeOf(await liveLease(ctx, node)), now())!;
      seen.set(node, last);
      liveness = livenessOf(last, now(), threshold);
      if (!liveness.unresponsive) return { requeueAfterMs: liveness.unresponsiveInMs + 100 };
      await actFor(ctx, node);
      if (!cached && ctx.cache<VMI>(virtualMachineInstances).byIndex("byNode", node).length === 0) {
        seen.delete(node); // The Node and its Lease are gone, and so is all it held.
      }
    },
  };
}

/** Fail, delete, release: the writes of an unresponsive node. */
async function actFor(ctx: ReconcileContext<Lease>, node: string): Promise<void> {
  const plan = planNodeLoss({
    node,
    vmis: ctx.cache<VMI>(virtualMachineInstances).byIndex("byNode", node),
    pods: ctx.cache<Pod>(podsResource).byIndex("byNode", node),
    now: Date.now(),
  });
  const message = nodeUnresponsiveMessage(node);
  for (const { vmi, status } of plan.fail) {
    const write = await patchOwnedStatus(
      ctx.rest,
      virtualMachineInstances,
      vmi,
      vmi,
      status,
      VMI_LIFECYCLE_FIELDS,
      ctx.signal,
    );
    if (write === "unchanged") continue;
    ctx.log.info("VMI failed: its node is unresponsive", { vmi: keyOf(vmi), node });
    await ctx.events.normal(vmi, NODE_UNRESPONSIVE_REASON, message);
  }
  for (const pod of plan.deletePods) {
    try {
      await ctx.rest.delete(podsResource, {
        namespace: pod.metadata?.namespace ?? "",
        name: pod.metadata?.name ?? "",
      }, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid ?? "" } });
      ctx.log.info("Launcher pod deleted: its node is unresponsive", {
        pod: keyOf(pod),
        node,
      });
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }
  for (const vmi of plan.releaseFinalizer) {
    const finalizers = editFinalizers(vmi.metadata.finalizers, [], [AGENT_FINALIZER]);
    await patchFinalizers(ctx.rest, virtualMachineInstances, vmi, finalizers, ctx.signal)
      .catch((error) => {
        if (!isNotFound(error)) throw error;
      });
    ctx.log.info("Agent finalizer removed for the unresponsive node", { vmi: keyOf(vmi), node });
  }
}

async function liveLease(ctx: ReconcileContext<Lease>, node: string): Promise<Lease | undefined> {
  try {
    return await ctx.rest.get<Lease>(
      leases,
      { namespace: NODE_LEASE_NAMESPACE, name: node },
      ctx.signal,
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const renewTimeOf = (lease: Lease | undefined) => lease?.spec?.renewTime ?? undefined;
const leaseName = (key: string) => key.slice(key.indexOf("/") + 1);
const keyOf = (obj: KubeObject) => `${obj.metadata?.namespace}/${obj.metadata?.name}`;
