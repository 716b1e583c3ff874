/**
 * virt-controller's `kubevirt_vmi_info` and `kubevirt_vm_info`: one sample of 1 per object,
 * its facts as labels (KubeVirt's label names; an empty value is left out, as KubeVirt's
 * exporter leaves it out).
 */
import {
  CLUSTER_INSTANCETYPE_NAME_ANNOTATION,
  CLUSTER_PREFERENCE_NAME_ANNOTATION,
  INSTANCETYPE_NAME_ANNOTATION,
  OUTDATED_LAUNCHER_IMAGE_LABEL,
  PREFERENCE_NAME_ANNOTATION,
  type VM,
  VM_FLAVOR_ANNOTATION,
  VM_OS_ANNOTATION,
  VM_WORKLOAD_ANNOTATION,
  type VMI,
} from "../../api/mod.ts";
import { migratesOnEviction } from "../../api/eviction.ts";
import { isLiveMigratable } from "../../api/eviction.ts";
import type { Labels, Sample } from "../../lib/metrics/text_format.ts";

/** KubeVirt's grouping of printable statuses in `kubevirt_vm_info{status_group}`. */
const STATUS_GROUPS: Record<string, string> = {
  Provisioning: "starting",
  Starting: "starting",
  WaitingForVolumeBinding: "starting",
  Running: "running",
  Migrating: "migrating",
  Stopped: "non_running",
  Paused: "non_running",
  Stopping: "non_running",
  Terminating: "non_running",
  CrashLoopBackOff: "error",
  Unknown: "error",
  ErrorUnschedulable: "error",
  ErrImagePull: "error",
  ImagePullBackOff: "error",
  ErrorPvcNotFound: "error",
  DataVolumeError: "error",
};

/** The `kubevirt_vmi_info` sample of a VMI; `launcherPod` names its running launcher pod. */
export function vmiInfoSample(vmi: VMI, launcherPod: string | undefined): Sample {
  const guest = vmi.status?.guestOSInfo ?? {};
  const labels: Labels = {
    node: vmi.status?.nodeName ?? "",
    namespace: vmi.metadata?.namespace ?? "",
    name: vmi.metadata?.name ?? "",
    phase: (vmi.status?.phase ?? "").toLowerCase(),
    ...systemLabels(vmi.metadata?.annotations),
    ...sizingOf(vmi.metadata?.annotations),
    guest_os_kernel_release: guest.kernelRelease ?? "",
    guest_os_machine: vmi.status?.machine?.type ?? "",
    guest_os_arch: guest.machine ?? "",
    guest_os_name: guest.name ?? "",
    guest_os_version_id: guest.versionId ?? "",
    evictable: String(isEvictable(vmi)),
    outdated: String(OUTDATED_LAUNCHER_IMAGE_LABEL in (vmi.metadata?.labels ?? {})),
    vmi_pod: launcherPod ?? "",
  };
  return { labels, value: 1 };
}

/** The `kubevirt_vm_info` sample of a VM. */
export function vmInfoSample(vm: VM): Sample {
  const status = vm.status?.printableStatus ?? "";
  return {
    labels: {
      namespace: vm.metadata?.namespace ?? "",
      name: vm.metadata?.name ?? "",
      ...systemLabels(vm.spec?.template?.metadata?.annotations),
      instance_type: vm.spec?.instancetype?.name ?? "",
      preference: vm.spec?.preference?.name ?? "",
      status,
      status_group: STATUS_GROUPS[status] ?? "<unknown>",
    },
    value: 1,
  };
}

/**
 * KubeVirt's alerting view: a VMI that migrates on eviction is evictable only once it is
 * live-migratable (an unreported condition counts as not). The cluster-wide default strategy
 * is not read here: only the VMI's own.
 */
function isEvictable(vmi: VMI): boolean {
  return !migratesOnEviction(vmi, undefined) || isLiveMigratable(vmi);
}

/** The instance type and preference a VMI was expanded from, as the VM controller annotated it. */
function sizingOf(annotations: Record<string, string> | undefined): Labels {
  const a = annotations ?? {};
  return {
    instance_type: a[INSTANCETYPE_NAME_ANNOTATION] ?? a[CLUSTER_INSTANCETYPE_NAME_ANNOTATION] ?? "",
    preference: a[PREFERENCE_NAME_ANNOTATION] ?? a[CLUSTER_PREFERENCE_NAME_ANNOTATION] ?? "",
  };
}

function systemLabels(annotations: Record<string, string> | undefined): Labels {
  return {
    os: annotations?.[VM_OS_ANNOTATION] ?? "",
    workload: annotations?.[VM_WORKLOAD_ANNOTATION] ?? "",
    flavor: annotations?.[VM_FLAVOR_ANNOTATION] ?? "",
  };
}
