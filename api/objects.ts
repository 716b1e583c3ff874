/**
 * The objects the roles share, as the runtime handles them: KubeVirt's and CDI's kinds (the
 * schema types, which are also KubeObjects) and the fields of Kubernetes' own kinds that any
 * role reads or writes. One definition each; a role reads only the fields it needs.
 */
import type { KubeObject } from "../lib/kube/object.ts";
import type { PersistentVolumeClaimSpec } from "./core.ts";
import type { DataVolume } from "./data_volume.ts";
import type { VirtualMachineInstanceReplicaSet } from "./replica_set.ts";
import type { VirtualMachine } from "./virtual_machine.ts";
import type { VirtualMachineInstance } from "./virtual_machine_instance.ts";
import type { VirtualMachineInstanceMigration } from "./migration.ts";

export type VM = VirtualMachine & KubeObject;
export type VMI = VirtualMachineInstance & KubeObject;
export type VMIRS = VirtualMachineInstanceReplicaSet & KubeObject;
export type DV = DataVolume & KubeObject;
export type VMIM = VirtualMachineInstanceMigration & KubeObject;

/** A Kubernetes condition of a core kind (pods, nodes). */
export interface CoreCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastHeartbeatTime?: string | null;
  lastTransitionTime?: string | null;
}

/** A container of a pod spec. */
export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  [field: string]: unknown;
}

export interface ContainerState {
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason: string; startedAt?: string; finishedAt: string };
  waiting?: { reason?: string };
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
}

export interface PodStatus {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown" | string;
  reason?: string;
  message?: string;
  conditions?: CoreCondition[];
  qosClass?: string;
  hostIP?: string;
  hostIPs?: Array<{ ip: string }>;
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  [field: string]: unknown;
}

/** core/v1 Pod. */
export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    containers: Container[];
    [field: string]: unknown;
  };
  status?: PodStatus;
}

/** core/v1 PersistentVolumeClaim. */
export interface PersistentVolumeClaim extends KubeObject {
  spec?: PersistentVolumeClaimSpec;
  status?: { phase?: "Pending" | "Bound" | "Lost" | string };
}

/** A node selector requirement, as in a PV's node affinity. */
export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** core/v1 PersistentVolume. */
export interface PersistentVolume extends KubeObject {
  spec?: {
    capacity?: { storage?: string | number };
    accessModes?: string[];
    volumeMode?: string;
    storageClassName?: string;
    persistentVolumeReclaimPolicy?: string;
    claimRef?: {
      apiVersion?: string;
      kind?: string;
      namespace?: string;
      name?: string;
      uid?: string;
    };
    local?: { path: string };
    nodeAffinity?: {
      required?: { nodeSelectorTerms?: Array<{ matchExpressions?: NodeSelectorRequirement[] }> };
    };
  };
  status?: { phase?: string };
}

/** storage.k8s.io/v1 StorageClass. */
export interface StorageClass extends KubeObject {
  provisioner?: string;
  reclaimPolicy?: string;
  volumeBindingMode?: "Immediate" | "WaitForFirstConsumer" | string;
}

export interface NodeTaint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** core/v1 Node. */
export interface NodeObject extends KubeObject {
  spec?: {
    unschedulable?: boolean;
    taints?: NodeTaint[];
    podCIDR?: string;
    [field: string]: unknown;
  };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: CoreCondition[];
    addresses?: Array<{ type: string; address: string }>;
    nodeInfo?: Record<string, string>;
    daemonEndpoints?: { kubeletEndpoint: { Port: number } };
  };
}
