/**
 * Node registration where no kubelet runs: create or update the Node, renew its Lease in
 * `kube-node-lease` every 10 s and its Ready condition every 40 s, as kubelet does.
 */
import { AGENT_ENDPOINT_ANNOTATION, type NodeObject } from "../../api/mod.ts";
import { jittered, sleep } from "../../lib/backoff.ts";
import { messageOf } from "../../lib/errors.ts";
import { isConflict, isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject, ObjectMeta } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { leases, nodes } from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
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
export const LEASE_RENEW_MS = 10_000;
/** How often the Ready condition's heartbeat is refreshed. */
export const STATUS_HEARTBEAT_MS = 40_000;

const NODE_LEASE_NAMESPACE = "kube-node-lease";

interface Lease extends KubeObject {
  metadata: ObjectMeta;
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    renewTime?: string;
    acquireTime?: string;
  };
}

export class NodeRegistration {
  #registered = false;
  #nodeUid: string | undefined;
  #lease: Lease | undefined;

  constructor(
    readonly rest: RestClient,
    readonly facts: NodeFactsForApi,
    readonly log: Logger,
  ) {}

  /** True once the Node exists with this agent's status. */
  get registered(): boolean {
    return this.#registered;
  }

  /** Creates the Node, or brings an existing one's labels and status up to date. */
  async register(): Promise<void> {
    const now = new Date().toISOString();
    let node: NodeObject;
    try {
      node = await this.rest.get<NodeObject>(nodes, { name: this.facts.name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      node = await this.rest.create<NodeObject>(nodes, newNode(this.facts, now));
      this.log.info("Node registered", { node: this.facts.name });
    }
    const labels = nodeLabels(this.facts.name);
    const annotations = { [AGENT_ENDPOINT_ANNOTATION]: agentEndpoint(this.facts) };
    const stale = Object.entries(labels).some(([k, v]) => node.metadata?.labels?.[k] !== v) ||
      Object.entries(annotations).some(([k, v]) => node.metadata?.annotations?.[k] !== v);
    if (stale) {
      node = await this.rest.patch<NodeObject>(nodes, { name: this.facts.name }, {
        metadata: { labels, annotations },
      }, { type: "merge", fieldManager: "denovirt-agent" });
    }
    this.#nodeUid = node.metadata?.uid;
    await this.heartbeat(node);
    this.#registered = true;
  }

  /** Writes the node status with a fresh Ready heartbeat. */
  async heartbeat(node?: NodeObject): Promise<void> {
    const current = node ?? await this.rest.get<NodeObject>(nodes, { name: this.facts.name });
    const status = nodeStatus(this.facts, current.status?.conditions, new Date().toISOString());
    await this.rest.patch(nodes, { name: this.facts.name }, { status }, {
      type: "strategic",
      subresource: "status",
      fieldManager: "denovirt-agent",
    });
  }

  /** Renews the node's Lease, creating it if needed. */
  async renewLease(): Promise<void> {
    const ref = { namespace: NODE_LEASE_NAMESPACE, name: this.facts.name };
    const renewTime = microTime(new Date());
    try {
      this.#lease ??= await this.rest.get<Lease>(leases, ref);
      const lease: Lease = {
        ...this.#lease,
        spec: {
          ...this.#lease.spec,
          holderIdentity: this.facts.name,
          leaseDurationSeconds: LEASE_DURATION_SECONDS,
          renewTime,
        },
      };
      this.#lease = await this.rest.update<Lease>(leases, lease);
    } catch (error) {
      this.#lease = undefined;
      if (isConflict(error)) return; // Someone else wrote it; the next renewal reads it again.
      if (!isNotFound(error)) throw error;
      this.#lease = await this.rest.create<Lease>(leases, {
        metadata: {
          ...ref,
          // Garbage-collected with the Node, as kubelet's lease is.
          ...(this.#nodeUid
            ? {
              ownerReferences: [{
                apiVersion: "v1",
                kind: "Node",
                name: this.facts.name,
                uid: this.#nodeUid,
              }],
            }
            : {}),
        },
        spec: {
          holderIdentity: this.facts.name,
          leaseDurationSeconds: LEASE_DURATION_SECONDS,
          acquireTime: renewTime,
          renewTime,
        },
      });
    }
  }

  /** Registers (retrying), then renews the Lease and the Ready heartbeat until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let delay = 500;
    while (!signal.aborted && !this.#registered) {
      try {
        await this.register();
      } catch (error) {
        this.log.warn("Cannot register the node; retrying", {
          error: messageOf(error),
          delayMs: delay,
        });
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 10_000);
      }
    }
    let nextHeartbeat = Date.now() + STATUS_HEARTBEAT_MS;
    while (!signal.aborted) {
      try {
        await this.renewLease();
        if (Date.now() >= nextHeartbeat) {
          await this.heartbeat();
          nextHeartbeat = Date.now() + STATUS_HEARTBEAT_MS;
        }
      } catch (error) {
        if (isNotFound(error)) {
          // The Node was deleted: register it again, as kubelet does after a restart.
          this.log.warn("The Node is gone; registering it again");
          await this.register().catch((e) =>
            this.log.warn("Cannot register the node", { error: messageOf(e) })
          );
        } else {
          this.log.warn("Cannot renew the node lease or status", { error: messageOf(error) });
        }
      }
      await sleep(jittered(LEASE_RENEW_MS, 0.04), signal);
    }
  }
}

/** Publishes the agent's endpoint on a Node a kubelet registered; retries until it succeeds. */
export async function publishEndpoint(
  rest: RestClient,
  facts: Pick<NodeFactsForApi, "name" | "address" | "port">,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  let delay = 500;
  while (!signal.aborted) {
    try {
      await rest.patch(nodes, { name: facts.name }, {
        metadata: { annotations: { [AGENT_ENDPOINT_ANNOTATION]: agentEndpoint(facts) } },
      }, { type: "merge", fieldManager: "denovirt-agent" });
      return;
    } catch (error) {
      log.warn("Cannot publish the agent endpoint on the Node; retrying", {
        error: messageOf(error),
        delayMs: delay,
      });
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
