/**
 * The Node, from its agent: on every node, the annotations the agent publishes (its endpoint,
 * its local storage); where no kubelet runs, also the Node itself as kubelet keeps it: created
 * with its labels, its Ready heartbeat every 40 s and its Lease in `kube-node-lease` renewed
 * every 10 s. One key, the node's name; the next renewal is a requeue, not a timer.
 */
import {
  AGENT_ENDPOINT_ANNOTATION,
  FIELD_MANAGERS,
  LEASE_RENEW_SECONDS,
  NODE_LEASE_NAMESPACE,
  type NodeObject,
  type PersistentVolume,
  SCHEDULABLE_LABEL,
} from "../../api/mod.ts";
import type { CacheReader, Controller, ReconcileContext } from "../../lib/controller.ts";
import { isAlreadyExists, isNotFound } from "../../lib/kube/api_error.ts";
import { leases, nodes, persistentVolumes } from "../../lib/kube/resources.ts";
import type { Lease } from "../../lib/leader_lease.ts";
import type { NodeCapacity } from "../storage/node_capacity.ts";
import { isLocalPv, pvNodeOf } from "../storage/types.ts";
import {
  agentEndpoint,
  microTime,
  newNode,
  type NodeFactsForApi,
  nodeLabels,
  nodeStatus,
} from "./node_object.ts";

/** kubelet's node lease duration and renew interval (a quarter of it). */
export const LEASE_DURATION_SECONDS = 40;
export const LEASE_RENEW_MS = LEASE_RENEW_SECONDS * 1000;
/** How often the Ready condition's heartbeat is refreshed. */
export const STATUS_HEARTBEAT_MS = 40_000;
export { NODE_LEASE_NAMESPACE } from "../../api/mod.ts";

export interface NodeControllerOptions {
  facts: NodeFactsForApi;
  /** No kubelet here: the agent registers the Node and keeps its Lease and heartbeat. */
  register: boolean;
  capacity: NodeCapacity;
  now?: () => number;
}

/** The node controller of the agent on `opts.facts.name`. */
export function nodeController(opts: NodeControllerOptions): Controller<NodeObject> {
  const name = opts.facts.name;
  const now = opts.now ?? Date.now;
  return {
    name: "node",
    for: nodes,
    seedKeys: () => [name],
    // Its local volumes change the storage it publishes.
    watches: [{
      resource: persistentVolumes,
      mapToKeys: (pv) => isLocalPv(pv) && pvNodeOf(pv) === name ? [name] : [],
    }],
    concurrency: 1,
    backoff: { baseMs: 500, maxMs: 10_000, factor: 2, jitter: 0.2 },
    async reconcile(key, ctx) {
      if (key !== name) return;
      let node = ctx.object;
      if (opts.register) node = await ensureNode(ctx, opts, node, now());
      else if (!node) throw new Error(`Node ${name} does not exist yet: its kubelet registers it`);
      await publishAnnotations(ctx, opts, node!);
      if (!opts.register) return;
      const heartbeatIn = await heartbeat(ctx, opts, node!, now());
      const renewIn = await renewLease(ctx, opts, node!, now());
      return { requeueAfterMs: Math.min(heartbeatIn, renewIn) };
    },
  };
}

/** The Node as cached, or created now. */
async function ensureNode(
  ctx: ReconcileContext<NodeObject>,
  opts: NodeControllerOptions,
  cached: NodeObject | undefined,
  at: number,
): Promise<NodeObject> {
  if (cached) return cached;
  try {
    const created = await ctx.rest.create<NodeObject>(
      nodes,
      newNode(opts.facts, new Date(at).toISOString()),
      { fieldManager: FIELD_MANAGERS.agent },
    );
    ctx.log.info("Node registered");
    return created;
  } catch (error) {
    // The cache is behind: the Node exists (re-registered after a restart).
    if (!isAlreadyExists(error)) throw error;
    return await ctx.rest.get<NodeObject>(nodes, { name: opts.facts.name }, ctx.signal);
  }
}

/**
 * The labels and annotations the agent writes, when they differ: a kubelet-less node's labels
 * are all the agent's; beside a kubelet, only KubeVirt's schedulable label (virt-handler's
 * signal that VMs may land there), the rest being the kubelet's.
 */
async function publishAnnotations(
  ctx: ReconcileContext<NodeObject>,
  opts: NodeControllerOptions,
  node: NodeObject,
): Promise<void> {
  const annotations = {
    [AGENT_ENDPOINT_ANNOTATION]: agentEndpoint(opts.facts),
    ...await opts.capacity.annotations(ctx.cache<PersistentVolume>(persistentVolumes)),
  };
  const labels = opts.register ? nodeLabels(opts.facts.name) : { [SCHEDULABLE_LABEL]: "true" };
  const differs = (want: Record<string, string>, have: Record<string, string> | undefined) =>
    Object.entries(want).some(([k, v]) => have?.[k] !== v);
  if (
    !differs(annotations, node.metadata?.annotations) && !differs(labels, node.metadata?.labels)
  ) return;
  await ctx.rest.patch(nodes, { name: opts.facts.name }, {
    metadata: { labels, annotations },
  }, { type: "merge", fieldManager: FIELD_MANAGERS.agent, signal: ctx.signal });
  ctx.log.info("Node labels and annotations published", annotations);
}

/** Writes the Node's status when its Ready heartbeat is due; answers the ms until the next. */
async function heartbeat(
  ctx: ReconcileContext<NodeObject>,
  opts: NodeControllerOptions,
  node: NodeObject,
  at: number,
): Promise<number> {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const last = Date.parse(ready?.lastHeartbeatTime ?? "") || 0;
  const due = last + STATUS_HEARTBEAT_MS;
  if (ready?.status === "True" && at < due) return due - at;
  const status = nodeStatus(opts.facts, node.status?.conditions, new Date(at).toISOString());
  await ctx.rest.patch(nodes, { name: opts.facts.name }, { status }, {
    type: "strategic",
    subresource: "status",
    fieldManager: FIELD_MANAGERS.agent,
    signal: ctx.signal,
  });
  return STATUS_HEARTBEAT_MS;
}

/** Renews (or creates) the node's Lease when due; answers the ms until the next renewal. */
async function renewLease(
  ctx: ReconcileContext<NodeObject>,
  opts: NodeControllerOptions,
  node: NodeObject,
  at: number,
): Promise<number> {
  const name = opts.facts.name;
  const lease = leaseOf(ctx.cache, name);
  const last = Date.parse(lease?.spec?.renewTime ?? "") || 0;
  if (lease && at < last + LEASE_RENEW_MS) return last + LEASE_RENEW_MS - at;
  const renewTime = microTime(new Date(at));
  const spec = { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime };
  const ref = { namespace: NODE_LEASE_NAMESPACE, name };
  const patch = () =>
    ctx.rest.patch(leases, ref, { spec }, {
      type: "merge",
      fieldManager: FIELD_MANAGERS.agent,
      signal: ctx.signal,
    });
  if (lease) {
    await patch().catch(async (error) => {
      if (!isNotFound(error)) throw error;
      await createLease(ctx, opts, node, renewTime);
    });
  } else {
    await createLease(ctx, opts, node, renewTime).catch((error) => {
      if (!isAlreadyExists(error)) throw error;
      return patch();
    });
  }
  return LEASE_RENEW_MS;
}

async function createLease(
  ctx: ReconcileContext<NodeObject>,
  opts: NodeControllerOptions,
  node: NodeObject,
  renewTime: string,
): Promise<void> {
  const name = opts.facts.name;
  const uid = node.metadata?.uid;
  await ctx.rest.create<Lease>(leases, {
    metadata: {
      namespace: NODE_LEASE_NAMESPACE,
      name,
      // Garbage-collected with the Node, as kubelet's lease is.
      ...(uid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid }] } : {}),
    },
    spec: {
      holderIdentity: name,
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      acquireTime: renewTime,
      renewTime,
    },
  }, { fieldManager: FIELD_MANAGERS.agent, signal: ctx.signal });
}

function leaseOf(cache: CacheReader, name: string): Lease | undefined {
  return cache<Lease>(leases).get(`${NODE_LEASE_NAMESPACE}/${name}`);
}
