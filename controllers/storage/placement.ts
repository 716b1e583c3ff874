/**
 * Node choice for denovirt-local claims that bind at once: those of the Immediate class, and
 * those of the WaitForFirstConsumer class that ask for CDI's immediate binding (golden images).
 * kube-scheduler picks the node of other WaitForFirstConsumer claims; a claim that binds at once
 * has no pod to follow, so the node with the most free local storage (as its agent publishes it)
 * gets it. A WaitForFirstConsumer claim hotplugged into a running VMI goes to the VMI's node.
 * Pure.
 */
import {
  ANN_NODE_STORAGE_ALLOCATED,
  ANN_NODE_STORAGE_CAPACITY,
  claimNamesOf,
  immediateBindingRequested,
  isHotpluggable,
  isOnNode,
  LOCAL_PROVISIONER,
  type NodeObject,
  parseQuantity,
  type PersistentVolumeClaim,
  SCHEDULABLE_LABEL,
  SELECTED_NODE,
  STORAGE_PROVISIONER,
  type StorageClass,
  type VirtualMachineInstance,
} from "../../api/mod.ts";

/** The claim waits for this controller to choose its node. */
export function needsPlacement(
  claim: PersistentVolumeClaim,
  storageClass: StorageClass | undefined,
): boolean {
  if (!storageClass || storageClass.provisioner !== LOCAL_PROVISIONER) return false;
  if (claim.metadata?.deletionTimestamp || claim.spec?.volumeName) return false;
  if (claim.status?.phase !== undefined && claim.status.phase !== "Pending") return false;
  const annotations = claim.metadata?.annotations ?? {};
  if (annotations[SELECTED_NODE]) return false;
  const mode = storageClass.volumeBindingMode ?? "Immediate";
  // kube-controller-manager leaves a WaitForFirstConsumer claim alone until it has a node, and
  // then marks it for our provisioner: nothing to wait for.
  if (mode === "WaitForFirstConsumer") return immediateBindingRequested(annotations);
  if (mode !== "Immediate") return false;
  // An Immediate claim is marked for our provisioner first (an update): placing it before that
  // would make that update conflict, and it would be retried only at the next resync.
  return annotations[STORAGE_PROVISIONER] === LOCAL_PROVISIONER;
}

/** Bytes the claim requests; undefined when it names no size that parses. */
export function requestedBytes(claim: PersistentVolumeClaim): bigint | undefined {
  const size = claim.spec?.resources?.requests?.storage;
  if (size === undefined) return undefined;
  try {
    return parseQuantity(size).value;
  } catch {
    return undefined;
  }
}

/** Free local storage a node's agent reports, or undefined when it reports none. */
export function freeBytesOf(node: NodeObject): bigint | undefined {
  const annotations = node.metadata?.annotations ?? {};
  const capacity = annotations[ANN_NODE_STORAGE_CAPACITY];
  const allocated = annotations[ANN_NODE_STORAGE_ALLOCATED] ?? "0";
  if (capacity === undefined || !/^\d+$/.test(capacity) || !/^\d+$/.test(allocated)) {
    return undefined;
  }
  return BigInt(capacity) - BigInt(allocated);
}

function usable(node: NodeObject): boolean {
  if (node.metadata?.labels?.[SCHEDULABLE_LABEL] !== "true" || node.spec?.unschedulable) {
    return false;
  }
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Where the claim goes: a usable node with room, the most free first, then by name. */
export type Placement = { node: string } | { none: string };

export function placeClaim(request: bigint, nodes: readonly NodeObject[]): Placement {
  const candidates = nodes
    .filter(usable)
    .map((node) => ({ name: node.metadata?.name ?? "", free: freeBytesOf(node) }))
    .filter((c): c is { name: string; free: bigint } => c.free !== undefined && !!c.name);
  if (candidates.length === 0) {
    return { none: "no ready node runs a denovirt agent that reports local storage" };
  }
  const fitting = candidates.filter((c) => c.free >= request);
  if (fitting.length === 0) {
    const most = candidates.reduce((a, b) => (b.free > a.free ? b : a));
    return {
      none:
        `no node has ${request} bytes of free local storage (the most is ${most.free} on ${most.name})`,
    };
  }
  fitting.sort((
    a,
    b,
  ) => (a.free === b.free ? a.name.localeCompare(b.name) : a.free > b.free ? -1 : 1));
  return { node: fitting[0]!.name };
}

/**
 * The node of a VMI a WaitForFirstConsumer claim was hotplugged into: the claim's first consumer,
 * as KubeVirt's attachment pod is (no pod of denovirt mounts a hotplugged claim). Undefined when
 * the claim is placed, bound, not denovirt-local WaitForFirstConsumer, or hotplugged nowhere.
 */
export function hotplugConsumerNode(
  claim: PersistentVolumeClaim,
  storageClass: StorageClass | undefined,
  vmis: readonly VirtualMachineInstance[],
): string | undefined {
  if (storageClass?.provisioner !== LOCAL_PROVISIONER) return undefined;
  if (storageClass.volumeBindingMode !== "WaitForFirstConsumer") return undefined;
  if (claim.metadata?.deletionTimestamp || claim.spec?.volumeName) return undefined;
  if (claim.status?.phase !== undefined && claim.status.phase !== "Pending") return undefined;
  if (claim.metadata?.annotations?.[SELECTED_NODE]) return undefined;
  const name = claim.metadata?.name;
  const consumer = vmis.find((vmi) =>
    vmi.metadata.namespace === claim.metadata?.namespace && !!vmi.status?.nodeName &&
    isOnNode(vmi.status.phase) && !vmi.metadata.deletionTimestamp &&
    hotpluggedClaimsOf(vmi).includes(name ?? "")
  );
  return consumer?.status?.nodeName;
}

/** Names of the claims the VMI's hotpluggable volumes use (a DataVolume's has its name). */
export function hotpluggedClaimsOf(vmi: VirtualMachineInstance): string[] {
  return claimNamesOf((vmi.spec.volumes ?? []).filter(isHotpluggable));
}
