/** The Node object of a kubelet-less node, as the agent registers and heartbeats it. Pure. */
import {
  AGENT_ENDPOINT_ANNOTATION,
  ARCH_LABEL,
  type CoreCondition,
  HOSTNAME_LABEL,
  KUBELET_LESS_LABEL,
  type NodeObject,
  type NodeTaint,
  OS_LABEL,
  SCHEDULABLE_LABEL,
} from "../../api/mod.ts";
import { type HostInfo, nodeResources } from "./host.ts";

/** The version the Node reports in place of a kubelet's. */
export const AGENT_VERSION = "v0.1.0-denovirt";

export interface NodeFactsForApi {
  name: string;
  host: HostInfo;
  /** The address other components reach the node at. */
  address: string;
  /** The agent's HTTPS port (Node `daemonEndpoints.kubeletEndpoint`). */
  port: number;
  taints: NodeTaint[];
}

/** The labels a registered node carries, as kubelet sets them plus KubeVirt's schedulable label. */
export function nodeLabels(name: string): Record<string, string> {
  return {
    [HOSTNAME_LABEL]: name,
    [OS_LABEL]: "linux",
    [ARCH_LABEL]: "amd64",
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": "amd64",
    [SCHEDULABLE_LABEL]: "true",
    [KUBELET_LESS_LABEL]: "true",
  };
}

/** The Node to create when none exists. */
export function newNode(facts: NodeFactsForApi, now: string): NodeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: facts.name,
      labels: nodeLabels(facts.name),
      annotations: { [AGENT_ENDPOINT_ANNOTATION]: agentEndpoint(facts) },
    },
    spec: facts.taints.length > 0 ? { taints: facts.taints } : {},
    status: nodeStatus(facts, undefined, now),
  };
}

/** The Node status: resources, addresses, node info and conditions (Ready, no pressure). */
export function nodeStatus(
  facts: NodeFactsForApi,
  previous: CoreCondition[] | undefined,
  now: string,
): NonNullable<NodeObject["status"]> {
  const { capacity, allocatable } = nodeResources(
    facts.host.cpus,
    facts.host.memoryKiB,
    facts.host.ephemeralStorageBytes,
  );
  const condition = (type: string, status: "True" | "False", reason: string, message: string) => {
    const old = previous?.find((c) => c.type === type);
    const lastTransitionTime = old?.status === status ? old.lastTransitionTime : now;
    return { type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime };
  };
  return {
    capacity,
    allocatable,
    conditions: [
      condition(
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "The agent reports no memory pressure",
      ),
      condition(
        "DiskPressure",
        "False",
        "KubeletHasNoDiskPressure",
        "The agent reports no disk pressure",
      ),
      condition(
        "PIDPressure",
        "False",
        "KubeletHasSufficientPID",
        "The agent reports sufficient PIDs",
      ),
      condition("Ready", "True", "KubeletReady", "The denovirt agent is posting ready status"),
    ],
    addresses: [
      { type: "InternalIP", address: facts.address },
      { type: "Hostname", address: facts.name },
    ],
    nodeInfo: {
      machineID: facts.host.machineID,
      systemUUID: facts.host.machineID,
      bootID: facts.host.bootID,
      kernelVersion: facts.host.kernelVersion,
      osImage: facts.host.osImage,
      containerRuntimeVersion: `denovirt://${AGENT_VERSION}`,
      kubeletVersion: AGENT_VERSION,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: "amd64",
    },
    daemonEndpoints: { kubeletEndpoint: { Port: facts.port } },
  };
}

/** The agent's HTTPS endpoint: `https://<address>:<port>`. */
export function agentEndpoint(facts: Pick<NodeFactsForApi, "address" | "port">): string {
  const host = facts.address.includes(":") ? `[${facts.address}]` : facts.address;
  return `https://${host}:${facts.port}`;
}

/** Parses kubelet's `--register-with-taints` syntax: `key[=value]:Effect`. */
export function parseTaint(text: string): NodeTaint {
  const match = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(text);
  if (!match) {
    throw new Error(
      `Cannot parse taint ${
        JSON.stringify(text)
      }: expected key[=value]:NoSchedule|PreferNoSchedule|NoExecute`,
    );
  }
  const taint: NodeTaint = { key: match[1]!, effect: match[3] as NodeTaint["effect"] };
  if (match[2]) taint.value = match[2];
  return taint;
}

/** A Lease `renewTime` (metav1.MicroTime: microseconds, UTC). */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
