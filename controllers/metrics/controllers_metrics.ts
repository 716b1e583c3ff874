/** The controllers' `/metrics`: VM and VMI info from the caches, phase transition times, version. */
import denoJson from "../../deno.json" with { type: "json" };
import { CREATED_BY_LABEL, type Pod, type VM, type VMI } from "../../api/mod.ts";
import type { ReadonlyStore } from "../../lib/cache.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import {
  pods,
  type Resource,
  virtualMachineInstances,
  virtualMachines,
} from "../../lib/kube/resources.ts";
import type { Registry } from "../../lib/metrics/registry.ts";
import type { Sample } from "../../lib/metrics/text_format.ts";
import { versionInfoFamily } from "../../lib/metrics/version_info.ts";
import { vmiInfoSample, vmInfoSample } from "./info.ts";
import { PHASE_TRANSITION_BUCKETS, transitionFromCreation } from "./phase_transitions.ts";

/** The Manager's side the metrics read: its caches and their changes. */
export interface WatchedCaches {
  store<T extends KubeObject>(resource: Resource): ReadonlyStore<T>;
  onChange<T extends KubeObject>(
    resource: Resource,
    listener: (old: T | undefined, current: T | undefined) => void,
  ): void;
}

/** Registers the controllers' metrics on `registry`, for the resources `caches` watches. */
export function registerControllersMetrics(registry: Registry, caches: WatchedCaches): void {
  registry.collect(() => [versionInfoFamily(denoJson.version)]);
  const vmis = storeOf<VMI>(caches, virtualMachineInstances);
  const vms = storeOf<VM>(caches, virtualMachines);
  const launchers = storeOf<Pod>(caches, pods);
  if (vmis) {
    const fromCreation = registry.histogram(
      "kubevirt_vmi_phase_transition_time_from_creation_seconds",
      "Histogram of VM phase transitions duration from creation time in seconds.",
      PHASE_TRANSITION_BUCKETS,
    );
    caches.onChange<VMI>(virtualMachineInstances, (old, current) => {
      const transition = transitionFromCreation(old, current);
      if (transition) fromCreation.observe({ phase: transition.phase }, transition.seconds);
    });
    registry.collect(() => {
      const running = runningLaunchers(launchers);
      return [{
        name: "kubevirt_vmi_info",
        help: "Information about VirtualMachineInstances.",
        type: "gauge",
        samples: vmis.list().map((vmi) => {
          const pod = running.get(vmi.metadata?.uid ?? "");
          return vmiInfoSample(vmi, pod?.node === vmi.status?.nodeName ? pod?.name : undefined);
        }),
      }];
    });
  }
  if (vms) {
    registry.collect(() => [{
      name: "kubevirt_vm_info",
      help: "Information about Virtual Machines.",
      type: "gauge",
      samples: vms.list().map(vmInfoSample) satisfies Sample[],
    }]);
  }
}

/** Running launcher pods by the UID of their VMI (KubeVirt's `vmi_pod` label), with their node. */
function runningLaunchers(
  launchers: ReadonlyStore<Pod> | undefined,
): Map<string, { name: string; node: string | undefined }> {
  const out = new Map<string, { name: string; node: string | undefined }>();
  for (const pod of launchers?.list() ?? []) {
    const uid = pod.metadata?.labels?.[CREATED_BY_LABEL];
    if (uid && pod.status?.phase === "Running" && pod.metadata?.name) {
      out.set(uid, { name: pod.metadata.name, node: pod.spec?.nodeName });
    }
  }
  return out;
}

/** The cache of `resource`, or undefined when these controllers do not watch it (`--only`). */
function storeOf<T extends KubeObject>(caches: WatchedCaches, resource: Resource) {
  try {
    return caches.store<T>(resource);
  } catch {
    return undefined;
  }
}
