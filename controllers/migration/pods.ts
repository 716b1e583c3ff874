/** The two launcher pods of a migration among the pods its VMI controls. Pure. */
import { isPodDown, MIGRATION_JOB_LABEL, type Pod, type VMI } from "../../api/mod.ts";

/**
 * The VMI's running launcher pod on its node: a pod that is no migration's target first, else any
 * (a VMI that migrated before runs in its last migration's target pod, which keeps that label).
 */
export function sourcePodOf(vmi: VMI, pods: Pod[]): Pod | undefined {
  return pods.find((p) =>
    p.spec?.nodeName === vmi.status?.nodeName && !isPodDown(p) &&
    !p.metadata?.labels?.[MIGRATION_JOB_LABEL]
  ) ?? pods.find((p) => p.spec?.nodeName === vmi.status?.nodeName && !isPodDown(p));
}

/** The target pod of the migration with `uid`: the pod labelled with that migration's UID. */
export function targetPodOf(pods: Pod[], uid: string): Pod | undefined {
  return pods.find((p) => p.metadata?.labels?.[MIGRATION_JOB_LABEL] === uid);
}
