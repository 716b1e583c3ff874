/** What a phase means, decided once for every role. */

/** The phases after which nothing runs again: Succeeded or Failed (VMIs and pods alike). */
export const FINISHED_PHASES: readonly string[] = ["Succeeded", "Failed"];

/** Whether `phase` is Succeeded or Failed: the guest (or the pod) has ended for good. */
export function isFinished(phase: string | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}

/** Whether a VMI in `phase` is bound to a node and may have a guest there. */
export function isOnNode(phase: string | undefined): boolean {
  return phase === "Scheduled" || phase === "Running";
}
