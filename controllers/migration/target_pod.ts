/**
 * A migration's target launcher pod: the VMI's launcher pod as the VMI controller makes it, kept
 * off the VMI's current node by a required pod anti-affinity to the VMI's own pods (KubeVirt's
 * rule), restricted further by the migration's `addedNodeSelector`. Pure.
 */
import {
  CREATED_BY_LABEL,
  HOSTNAME_LABEL,
  MIGRATION_JOB_LABEL,
  MIGRATION_JOB_NAME_ANNOTATION,
  type Pod,
  type VMI,
  type VMIM,
} from "../../api/mod.ts";
import { type LauncherOptions, launcherPodFor, launcherPodName } from "../vmi/launcher_pod.ts";

type PodAffinityTerm = {
  labelSelector: { matchLabels: Record<string, string> };
  topologyKey: string;
};
type AntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[] };

/** The target pod of `vmim` for `vmi`; its name is derived from the migration's UID. */
export function targetPodFor(vmi: VMI, vmim: VMIM, launcher: LauncherOptions): Pod {
  const pod = launcherPodFor(vmi, launcher);
  const uid = vmim.metadata.uid ?? "";
  pod.metadata = {
    ...pod.metadata,
    name: launcherPodName(vmi, uid),
    labels: { ...pod.metadata?.labels, [MIGRATION_JOB_LABEL]: uid },
    annotations: {
      ...pod.metadata?.annotations,
      [MIGRATION_JOB_NAME_ANNOTATION]: vmim.metadata.name ?? "",
    },
  };
  const spec = pod.spec!;
  // The migration's selector first: the VMI's own keys win, as in KubeVirt.
  spec.nodeSelector = {
    ...vmim.spec.addedNodeSelector,
    ...(spec.nodeSelector as Record<string, string> | undefined),
  };
  const term: PodAffinityTerm = {
    labelSelector: { matchLabels: { [CREATED_BY_LABEL]: vmi.metadata.uid ?? "" } },
    topologyKey: HOSTNAME_LABEL,
  };
  const affinity = (spec.affinity ?? {}) as Record<string, unknown> & {
    podAntiAffinity?: AntiAffinity;
  };
  const anti = affinity.podAntiAffinity ?? {};
  spec.affinity = {
    ...affinity,
    podAntiAffinity: {
      ...anti,
      requiredDuringSchedulingIgnoredDuringExecution: [
        ...(anti.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        term,
      ],
    },
  };
  return pod;
}
