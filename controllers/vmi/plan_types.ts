/** What a VMI pass sees, and what it will do: the shapes of planVmi() (plan.ts). */
import type { Pod, VirtualMachineInstance, VirtualMachineInstanceStatus } from "../../api/mod.ts";
import type { VolumeView } from "../volumes.ts";

/** What a pass sees of one VMI. */
export interface VmiObserved {
  vmi: VirtualMachineInstance;
  /** The pods the VMI controls (by owner UID), oldest first. */
  pods: Pod[];
  /** The VM that controls the VMI still exists (false also for VMIs without a VM). */
  ownerVmExists: boolean;
  volumes: VolumeView;
  /** Creating the launcher pod failed just now with this message: report it instead. */
  podCreateError?: string;
}

/** What a pass will do for one VMI. */
export interface VmiPlan {
  /** New finalizers, labels: written first (undefined: unchanged). */
  finalizers: string[] | undefined;
  labels: Record<string, string> | undefined;
  createPod: Pod | undefined;
  /** Pods to delete at once (grace 0): the guest is known to be gone or never started. */
  deletePods: Pod[];
  /**
   * The next status. Only the fields the controllers own are written (api/ownership.ts): once
   * the VMI is handed to a node, its phase and conditions stay as the agent wrote them.
   */
  status: VirtualMachineInstanceStatus;
  /** The status fails the VMI because its pod is missing: confirm with a live read first. */
  podMissing: boolean;
  events: Array<{ type: "Normal" | "Warning"; reason: string; message: string }>;
  /** Look again then (a volume to appear, a held status to be written). */
  requeueAfterMs: number | undefined;
  /**
   * Write no status in this pass: the new pod is not bound yet but may be soon, and a bound pod
   * takes the VMI from Pending to Scheduled in one write (SCHEDULING_HOLD_MS, scheduling_hold.ts).
   */
  holdStatus: boolean;
}
