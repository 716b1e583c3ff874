/** The core/v1 Pod fields the VMI controller reads and writes. */
import type { KubeObject } from "../../lib/kube/object.ts";

export interface PodCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  [field: string]: unknown;
}

export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    containers: Container[];
    [field: string]: unknown;
  };
  status?: {
    phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
    reason?: string;
    message?: string;
    conditions?: PodCondition[];
    qosClass?: string;
    [field: string]: unknown;
  };
}

/** Deleted, or ended: the pod no longer holds the VMI's place on its node. */
export function isPodDown(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata?.deletionTimestamp || phase === "Failed" || phase === "Succeeded";
}

/** The pod's condition of `type`. */
export function podCondition(pod: Pod | undefined, type: string): PodCondition | undefined {
  return pod?.status?.conditions?.find((c) => c.type === type);
}
