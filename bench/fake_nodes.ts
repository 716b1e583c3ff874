/**
 * Nodes that take VMIs without booting them, for the control-plane scale part: registered by
 * hand, Ready with room for many pods, their Ready condition renewed so that the node lifecycle
 * controller never taints them unreachable while the bench runs.
 */
import { HOSTNAME_LABEL, SCHEDULABLE_LABEL } from "../api/mod.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { nodes } from "../lib/kube/resources.ts";
import { pollUntil, sleep } from "./pace.ts";
import { FAKE_NODE_LABEL } from "./vm_manifest.ts";

type Node = KubeObject & { spec?: { taints?: unknown[] } };

/** Room on each fake Node: far more than the scale part's VMs ask for. */
export const FAKE_NODE_CAPACITY = { cpu: "64", memory: "1Ti", pods: "1000" };

/** The status a fake Node reports: Ready since `since`, heard from `now`, with its capacity. */
export function fakeNodeStatus(since: Date, now = new Date()): Record<string, unknown> {
  const time = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    capacity: FAKE_NODE_CAPACITY,
    allocatable: FAKE_NODE_CAPACITY,
    conditions: [{
      type: "Ready",
      status: "True",
      reason: "BenchFakeNode",
      message: "denovirt's bench renews this condition; nothing runs here",
      lastHeartbeatTime: time(now),
      lastTransitionTime: time(since),
    }],
  };
}

/** Registers `count` fake Nodes `<prefix>-<i>` labelled for the bench's VMs; answers their names. */
export async function registerFakeNodes(
  rest: RestClient,
  prefix: string,
  count: number,
): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  for (const name of names) {
    await rest.create(nodes, {
      metadata: {
        name,
        labels: {
          [HOSTNAME_LABEL]: name,
          [SCHEDULABLE_LABEL]: "true",
          [FAKE_NODE_LABEL]: "true",
        },
      },
    });
  }
  await renew(rest, names);
  return names;
}

/** Renews the Nodes' Ready condition every `everyMs` until `signal` aborts. */
export async function keepReady(
  rest: RestClient,
  names: string[],
  signal: AbortSignal,
  everyMs = 10_000,
): Promise<void> {
  while (!signal.aborted) {
    await sleep(everyMs);
    if (!signal.aborted) await renew(rest, names).catch(() => {});
  }
}

/** Waits until the node lifecycle controller lifted the taints new Nodes are born with. */
export function untainted(rest: RestClient, names: string[], timeoutMs: number): Promise<boolean> {
  return pollUntil(
    async () => {
      for (const name of names) {
        const node = await rest.get<Node>(nodes, { name });
        if ((node.spec?.taints ?? []).length > 0) return false;
      }
      return true;
    },
    timeoutMs,
    500,
  );
}

/** Deletes the Nodes. */
export async function removeFakeNodes(rest: RestClient, names: string[]): Promise<void> {
  for (const name of names) {
    await rest.delete(nodes, { name }).catch((error) => {
      if (!isNotFound(error)) throw error;
    });
  }
}

const registeredAt = new Date();

async function renew(rest: RestClient, names: string[]) {
  const status = fakeNodeStatus(registeredAt);
  for (const name of names) {
    await rest.patch(nodes, { name }, { status }, { type: "merge", subresource: "status" });
  }
}
