/** The objects the bench sends: its VM, an AdmissionReview of that VM, and a VM the webhooks refuse. */
import type { VirtualMachine } from "../api/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";

/** A VirtualMachine as the REST client sends it. */
export type BenchVm = VirtualMachine & KubeObject;

/** Label on every object the bench makes. */
export const BENCH_LABEL = "bench.denovirt.io/run";
/** Label of the scale part's fake Nodes, which its VMs select. */
export const FAKE_NODE_LABEL = "bench.denovirt.io/fake";

export interface BenchVmOptions {
  /** Guest memory, e.g. "64Mi". */
  memory: string;
  /** The raw image file of the boot disk (a hostDisk). */
  diskPath: string;
  runStrategy?: "Always" | "Halted";
  /** The CPU request; KubeVirt's default (100m per VMI) when absent. */
  cpuRequest?: string;
  nodeSelector?: Record<string, string>;
}

/**
 * A typical small VM: one virtio boot disk from a hostDisk, the default pod network, no graphics;
 * `terminationGracePeriodSeconds: 0` so that deleting it does not wait for the guest.
 */
export function benchVm(name: string, opts: BenchVmOptions): BenchVm {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name, labels: { [BENCH_LABEL]: "true" } },
    spec: {
      runStrategy: opts.runStrategy ?? "Always",
      template: {
        metadata: { labels: { "bench.denovirt.io/vm": name } },
        spec: {
          domain: {
            resources: {
              requests: {
                memory: opts.memory,
                ...(opts.cpuRequest ? { cpu: opts.cpuRequest } : {}),
              },
            },
            devices: {
              autoattachGraphicsDevice: false,
              disks: [{ name: "rootdisk", disk: { bus: "virtio" } }],
            },
          },
          volumes: [{ name: "rootdisk", hostDisk: { path: opts.diskPath, type: "Disk" } }],
          ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
          terminationGracePeriodSeconds: 0,
        },
      },
    },
  };
}

/**
 * A VM the validating webhook refuses (its hostDisk is outside the allowed directory) but the
 * CRD schema accepts: a dry-run create of it tells whether the webhooks are registered.
 */
export function refusedVm(name: string): BenchVm {
  return benchVm(name, { memory: "64Mi", diskPath: "/etc/denovirt-bench-not-allowed.img" });
}

/** The parts of an AdmissionReview request the bench fills in. */
export interface CreateReview {
  apiVersion: "admission.k8s.io/v1";
  kind: "AdmissionReview";
  request: {
    uid: string;
    operation: "CREATE";
    namespace: string;
    name: string;
    resource: { group: string; version: string; resource: string };
    object: KubeObject;
    [field: string]: unknown;
  };
}

/** An AdmissionReview v1 request for creating `object`, as kube-apiserver sends it. */
export function createReview(object: KubeObject, namespace: string, uid: string): CreateReview {
  const gvk = { group: "kubevirt.io", version: "v1", kind: "VirtualMachine" };
  const gvr = { group: "kubevirt.io", version: "v1", resource: "virtualmachines" };
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name: object.metadata?.name ?? "",
      namespace,
      operation: "CREATE",
      userInfo: { username: "denovirt-admin", groups: ["system:masters", "system:authenticated"] },
      object: { ...object, metadata: { ...object.metadata, namespace } },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
    },
  };
}
