/**
 * Test and benchmark helpers for the controllers on a real cluster: Nodes registered by hand,
 * throwaway namespaces, VM manifests, and an agent double that plays the node agent's part.
 */
import {
  AGENT_FINALIZER,
  CREATED_BY_LABEL,
  HOSTNAME_LABEL,
  type Pod,
  type RunStrategy,
  SCHEDULABLE_LABEL,
  type VirtualMachineInstancePhase,
  type VM,
  type VMI,
} from "../../api/mod.ts";
import { sleep } from "../../lib/backoff.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import {
  namespaces,
  nodes,
  pods,
  virtualMachineInstances,
  virtualMachines,
} from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** A logger that keeps quiet below warnings (in-process Managers in tests). */
export function quietLogger(fields: Record<string, unknown> = {}): Logger {
  const write = (level: string) => (msg: string, extra?: Record<string, unknown>) =>
    console.error(JSON.stringify({ level, msg, ...fields, ...extra }));
  const log: Logger = {
    info: () => {},
    debug: () => {},
    warn: write("warn"),
    error: write("error"),
    with: (more) => quietLogger({ ...fields, ...more }),
  };
  return log;
}

/** Register a Ready Node with room for VMs, as the agent does on a node without kubelet. */
export async function registerNode(
  rest: RestClient,
  name: string,
  labels: Record<string, string> = {},
  capacity = { cpu: "64", memory: "256Gi", pods: "1000" },
): Promise<void> {
  await rest.create(nodes, {
    metadata: {
      name,
      labels: { [HOSTNAME_LABEL]: name, [SCHEDULABLE_LABEL]: "true", ...labels },
    },
  } as KubeObject);
  await rest.patch(nodes, { name }, {
    status: {
      capacity,
      allocatable: capacity,
      conditions: [{ type: "Ready", status: "True", reason: "Test", lastHeartbeatTime: now() }],
    },
  }, { type: "merge", subresource: "status" });
}

/** Remove a Node registered by `registerNode`. */
export async function removeNode(rest: RestClient, name: string): Promise<void> {
  await rest.delete(nodes, { name }).catch((e) => {
    if (!isNotFound(e)) throw e;
  });
}

/** Create a namespace named `<prefix>-<random>`. */
export async function createNamespace(rest: RestClient, prefix: string): Promise<string> {
  const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await rest.create(namespaces, { metadata: { name } });
  return name;
}

/**
 * Delete a namespace, first stripping the finalizers of its VMs and VMIs so that it goes without
 * controllers or agent. Call it after the controllers stopped: they add finalizers back.
 */
export async function removeNamespace(rest: RestClient, namespace: string): Promise<void> {
  for (const resource of [virtualMachines, virtualMachineInstances]) {
    const list = await rest.list(resource, { namespace }).catch(() => ({ items: [] }));
    for (const obj of list.items) {
      await rest.patch(resource, { namespace, name: obj.metadata?.name ?? "" }, {
        metadata: { finalizers: null },
      }, { type: "merge" }).catch(() => {});
    }
  }
  await rest.delete(namespaces, { name: namespace }).catch(() => {});
}

/** A VM manifest: 64Mi of memory, scheduled to nodes with `nodeSelector`. */
export function vmManifest(
  name: string,
  opts: { runStrategy?: RunStrategy; running?: boolean; nodeSelector?: Record<string, string> } =
    {},
): VM {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name, labels: { test: "controllers" } },
    spec: {
      ...(opts.running !== undefined ? { running: opts.running } : {}),
      ...(opts.runStrategy ? { runStrategy: opts.runStrategy } : {}),
      template: {
        metadata: { labels: { "test.denovirt.io/vm": name } },
        spec: {
          domain: { resources: { requests: { memory: "64Mi" } }, devices: {} },
          ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
          terminationGracePeriodSeconds: 0,
        },
      },
    },
  };
}

/** Read a VMI; undefined when there is none. */
export async function getVmi(rest: RestClient, namespace: string, name: string) {
  try {
    return await rest.get<VMI>(virtualMachineInstances, { namespace, name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The launcher pods of a VMI (by its UID). */
export async function launcherPodsOf(rest: RestClient, vmi: VMI): Promise<Pod[]> {
  const list = await rest.list<Pod>(pods, {
    namespace: vmi.metadata.namespace ?? "",
    labelSelector: `${CREATED_BY_LABEL}=${vmi.metadata.uid}`,
  });
  return list.items;
}

/** Set a VMI's phase as the agent does (with its phase transition timestamp). */
export async function setVmiPhase(
  rest: RestClient,
  vmi: VMI,
  phase: VirtualMachineInstancePhase,
): Promise<VMI> {
  const ready = { type: "Ready", status: phase === "Running" ? "True" : "False" } as const;
  const status = {
    ...vmi.status,
    phase,
    // As the agent: Ready once the guest runs (its launcher pod is Ready), else not.
    conditions: [...(vmi.status?.conditions ?? []).filter((c) => c.type !== "Ready"), ready],
    phaseTransitionTimestamps: [
      ...(vmi.status?.phaseTransitionTimestamps ?? []),
      { phase, phaseTransitionTimestamp: now() },
    ],
  };
  return await rest.updateStatus<VMI>(virtualMachineInstances, { ...vmi, status });
}

/** Add the agent's finalizer to a VMI, as the agent does before it makes its domain. */
export async function holdWithAgentFinalizer(rest: RestClient, vmi: VMI): Promise<void> {
  await rest.patch(
    virtualMachineInstances,
    { namespace: vmi.metadata.namespace ?? "", name: vmi.metadata.name ?? "" },
    {
      metadata: {
        resourceVersion: vmi.metadata.resourceVersion,
        finalizers: [...(vmi.metadata.finalizers ?? []), AGENT_FINALIZER],
      },
    },
    { type: "merge" },
  );
}

/** Remove the agent's finalizer from a VMI, as the agent does after tearing its domain down. */
export async function releaseAgentFinalizer(rest: RestClient, vmi: VMI): Promise<void> {
  const finalizers = (vmi.metadata.finalizers ?? []).filter((f) => f !== AGENT_FINALIZER);
  await rest.patch(
    virtualMachineInstances,
    {
      namespace: vmi.metadata.namespace ?? "",
      name: vmi.metadata.name ?? "",
    },
    { metadata: { resourceVersion: vmi.metadata.resourceVersion, finalizers } },
    { type: "merge" },
  );
}

/** Report a launcher pod Running and Ready, as the agent does on nodes without a kubelet. */
export async function markPodRunning(rest: RestClient, pod: Pod): Promise<void> {
  await rest.patch(pods, {
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
  }, {
    status: {
      phase: "Running",
      conditions: [
        { type: "PodScheduled", status: "True" },
        { type: "Ready", status: "True", lastTransitionTime: now() },
      ],
    },
  }, { type: "strategic", subresource: "status" });
}

/** Run Scheduled VMIs (pod Running, VMI Running) and end the guests of deleted VMIs. */
export interface AgentDoubleOptions {
  /** Move Scheduled VMIs to Running. Default true. */
  run?: boolean;
  /** Poll period. Default 150 ms. */
  periodMs?: number;
}

/**
 * Plays the node agent (docs/agent.md) in one namespace until `signal` aborts: a deleted VMI
 * that the agent holds ends Succeeded and is released; with `run`, a Scheduled VMI starts Running.
 */
export async function runAgentDouble(
  rest: RestClient,
  namespace: string,
  signal: AbortSignal,
  opts: AgentDoubleOptions = {},
): Promise<void> {
  const period = opts.periodMs ?? 150;
  while (!signal.aborted) {
    try {
      const list = await rest.list<VMI>(virtualMachineInstances, { namespace, signal });
      for (const vmi of list.items) {
        const held = vmi.metadata.finalizers?.includes(AGENT_FINALIZER);
        const phase = vmi.status?.phase ?? "";
        // As the agent: an ended VMI keeps the finalizer (and its log) until it is deleted.
        if (held && vmi.metadata.deletionTimestamp) {
          const ended = phase === "Succeeded" || phase === "Failed"
            ? vmi
            : await setVmiPhase(rest, vmi, "Succeeded");
          await releaseAgentFinalizer(rest, ended);
        } else if (phase === "Scheduled" && !held && !vmi.metadata.deletionTimestamp) {
          // As the agent: its finalizer before anything else it does for the VMI.
          await holdWithAgentFinalizer(rest, vmi);
        } else if (opts.run !== false && phase === "Scheduled" && !vmi.metadata.deletionTimestamp) {
          for (const pod of await launcherPodsOf(rest, vmi)) await markPodRunning(rest, pod);
          await setVmiPhase(rest, vmi, "Running");
        }
      }
    } catch {
      // Races with the controllers are expected (409s, objects gone): the next round retries.
    }
    await sleep(period, signal);
  }
}
