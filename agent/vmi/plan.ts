/**
 * plan(): from what the agent sees of one VMI key (the VMI, its launcher pod, its domain, the
 * time) to the steps that converge them. Pure and table-tested; `apply()` carries them out.
 */
import {
  AGENT_FINALIZER,
  DEFAULT_GRACE_PERIOD_SECONDS,
  isFinished,
  type LiveMigratability,
  liveMigratabilityOf,
  type PodLoss,
  podLossOf,
  type VirtualMachineInstance,
} from "../../api/mod.ts";
import { type PauseReason, runningStatus, sameStatus } from "../status/vmi_status.ts";
import { TCG_DEFAULT_MODEL } from "../domain/cpu.ts";
import { isAssignedTo, migrationInFlight } from "../../api/migration_state.ts";
import { domainDetected, isMigrationTarget, sourceSteps, targetPlan } from "../migration/plan.ts";
import { launcherPodDeadline } from "./pod_deletion.ts";
import { guestAgentRecheckMs } from "./guest_agent_wait.ts";
import { HOTPLUG_RECHECK_MS, hotplugActions, mayHotplug } from "./hotplug.ts";
import type { Action, Observation, ObservedDomain, Plan } from "./types.ts";
import {
  ended,
  endedTeardown,
  fail,
  isActive,
  normal,
  orphanTeardown,
  teardown,
} from "./endings.ts";

/** How often to look again while a guest shuts down (lifecycle events usually come first). */
const SHUTDOWN_POLL_MS = 5_000;

const NOTHING: Plan = { actions: [] };

/** The steps for one key. */
export function plan(o: Observation): Plan {
  const { vmi, domain } = o;
  const here = vmi !== undefined && vmi.status?.nodeName === o.node;
  if (domain && !isOurs(domain, o.node)) {
    // Someone else's domain holds the name: never touch it, and say so if the VMI needs it.
    if (here && needsDomain(vmi)) {
      return {
        actions: [],
        blocked: `Cannot start VMI ${o.key}: domain ${domain.name} exists and was not made ` +
          `by this node's agent`,
      };
    }
    return NOTHING;
  }
  if (domain && (!vmi || domain.owner!.uid !== vmi.metadata.uid)) {
    return orphanTeardown(o, domain);
  }
  if (domain && vmi && !isAssignedTo(vmi, o.node)) {
    // Stale: the VMI runs elsewhere (a failed migration's target, a node that came back).
    return { actions: [...orphanTeardown({ ...o, vmi: undefined }, domain).actions] };
  }
  if (vmi && !here && isMigrationTarget(vmi, o.node)) {
    const target = targetPlan(o, vmi, domain);
    // No guest may arrive while the gate refuses starts: the target is prepared once it opens.
    const prepares = target.actions.some((a) => a.type === "prepareTarget");
    return prepares && o.startsRefused !== undefined ? NOTHING : target;
  }
  if (!vmi && !domain && o.departedTarget) {
    // A migration here ended (failed, cancelled) after its target prepared: remove what it left.
    return { actions: [{ type: "removeFiles", uid: o.departedTarget, keepSerialLog: false }] };
  }
  if (!vmi || !here) return NOTHING;

  const phase = vmi.status?.phase ?? "";
  const hasFinalizer = (vmi.metadata.finalizers ?? []).includes(AGENT_FINALIZER);
  if (vmi.metadata.deletionTimestamp) {
    if (!hasFinalizer) return NOTHING;
    const deadline = Date.parse(vmi.metadata.deletionTimestamp) + graceSecondsOf(vmi) * 1000;
    const wait = domain && isActive(domain) ? waitForGuest(o, domain, deadline) : undefined;
    if (wait) return wait;
    return { actions: teardown(o, vmi, domain) };
  }
  if (isFinished(phase)) {
    return { actions: endedTeardown(vmi, domain, false) };
  }
  if (phase !== "Scheduled" && phase !== "Running") return NOTHING;

  const actions: Action[] = hasFinalizer ? [] : [{ type: "addFinalizer" }];
  const migration = sourceSteps(o, vmi, domain);
  if (migration.hold) {
    const requeue = migration.requeueAfterMs;
    return {
      actions: [...actions, ...migration.actions],
      ...(requeue !== undefined ? { requeueAfterMs: requeue } : {}),
    };
  }
  actions.push(...migration.actions);
  const lost = launcherPodLoss(o);
  if (lost) return fail(o, vmi, lost.reason, lost.message);
  const podDeadline = launcherPodDeadline(o.launcherPod, graceSecondsOf(vmi));
  if (!domain) {
    if (phase === "Running") {
      return fail(o, vmi, "DomainLost", "The domain of the VMI disappeared");
    }
    if (podDeadline !== undefined) {
      return fail(o, vmi, "LauncherPodDeleted", "The launcher pod was deleted");
    }
    return startOrWait(o, vmi, actions);
  }
  switch (domain.state) {
    case "shutoff":
      // Defined but never started: the agent stopped between define and start.
      if (phase === "Scheduled" && domain.reason === "unknown" && podDeadline === undefined) {
        return startOrWait(o, vmi, actions);
      }
      return ended(o, vmi, domain);
    case "crashed":
      return fail(o, vmi, "Crashed", "The guest crashed");
    case "shutdown":
      // The guest is powering off; the Stopped event (or this requeue) brings the end.
      return { actions, requeueAfterMs: SHUTDOWN_POLL_MS };
  }
  if (podDeadline !== undefined) {
    const wait = waitForGuest(o, domain, podDeadline);
    if (wait) return { ...wait, actions: [...actions, ...wait.actions] };
    return { actions: [...actions, { type: "destroy", uuid: domain.uuid }], requeueAfterMs: 0 };
  }
  const status = runningStatus(
    vmi,
    domain.live,
    pauseReasonOf(domain),
    o.launcherPod,
    o.now,
    migratabilityOf(o, vmi),
  );
  if (!sameStatus(vmi.status, status)) actions.push({ type: "writeStatus", status });
  const hotplug = mayHotplug(vmi) ? hotplugActions(vmi, domain.live) : [];
  actions.push(...hotplug);
  const state = vmi.status?.migrationState;
  if (state) actions.push(...domainDetected(o, state, domain));
  // An adopted guest (this process did not start it): its DHCP server comes back, if it is gone.
  // A migration that ended long ago leaves its state in the status: only one in flight waits.
  if (o.networkUnchecked && phase === "Running" && !migrationInFlight(vmi)) {
    actions.push({ type: "ensureNetwork" });
  }
  if (phase === "Scheduled") {
    const emulation = o.kvm ? "" : " It runs under software emulation (TCG): this node has no KVM.";
    // virt-handler's two Events of a new domain: defined, then started (one pass here).
    actions.push(normal("Created", "VirtualMachineInstance defined."));
    actions.push(normal("Started", `VirtualMachineInstance started.${emulation}`));
  }
  const agentRecheck = guestAgentRecheckMs(vmi, domain, o.now);
  // After a hotplug step the next pass reads the domain's disks again (status, a slow detach).
  const recheck = hotplug.length > 0
    ? Math.min(agentRecheck ?? HOTPLUG_RECHECK_MS, HOTPLUG_RECHECK_MS)
    : agentRecheck;
  return recheck === undefined ? { actions } : { actions, requeueAfterMs: recheck };
}

/**
 * Start the domain (paused if the VMI asks), or, while the fence gate refuses starts, wait for
 * it without failing or warning: its opening enqueues the key.
 */
function startOrWait(o: Observation, vmi: VirtualMachineInstance, actions: Action[]): Plan {
  if (o.startsRefused !== undefined) return { actions };
  const paused = vmi.spec.startStrategy === "Paused";
  return { actions: [...actions, { type: "startDomain", paused }], requeueAfterMs: 0 };
}

/**
 * The launcher pod is gone, or a kubelet ended it (failed, evicted): the VMI has lost its place
 * on the node. A pod being deleted is not lost yet: the guest gets its grace period first.
 */
function launcherPodLoss(o: Observation): PodLoss | undefined {
  if (o.launcherPodMissing) return podLossOf(undefined);
  const pod = o.launcherPod;
  return pod && isFinished(pod.status?.phase) ? podLossOf(pod) : undefined;
}

/** The VMI's grace period for a graceful shutdown, in seconds. */
export function graceSecondsOf(vmi: VirtualMachineInstance): number {
  return vmi.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
}

/**
 * LiveMigratable and the migration method. The host model a host-model guest gets is the one
 * libvirt expands on this node (under TCG a fixed model), which libvirt checks on the target.
 */
function migratabilityOf(o: Observation, vmi: VirtualMachineInstance): LiveMigratability {
  const modes = o.claimAccessModes ?? {};
  return liveMigratabilityOf(vmi, {
    claimAccessModes: (name) => modes[name],
    hostCpuModel: o.kvm ? "host-model" : TCG_DEFAULT_MODEL,
  });
}

/** Whether this node's agent made the domain (its metadata names the VMI and this node). */
function isOurs(domain: ObservedDomain, node: string): boolean {
  return domain.owner?.node === node;
}

function needsDomain(vmi: VirtualMachineInstance): boolean {
  const phase = vmi.status?.phase;
  return !vmi.metadata.deletionTimestamp && (phase === "Scheduled" || phase === "Running");
}

function pauseReasonOf(domain: ObservedDomain): PauseReason {
  if (domain.state !== "paused") return undefined;
  if (domain.reason === "user") return "PausedByUser";
  if (domain.reason === "ioerror") return "PausedIOError";
  return undefined;
}

/**
 * While the grace period lasts, ask a running guest once to power off and look again at the
 * deadline; undefined when it is time to destroy (deadline passed, the guest never ran as
 * Running, or it is paused and cannot react to ACPI).
 */
function waitForGuest(o: Observation, domain: ObservedDomain, deadline: number): Plan | undefined {
  const now = Date.parse(o.now);
  const canReact = ["running", "blocked", "shutdown", "pmsuspended", "nostate"].includes(
    domain.state,
  );
  if (o.vmi?.status?.phase !== "Running" || !canReact || now >= deadline) return undefined;
  const actions: Action[] = [];
  if (o.shutdownRequestedAt === undefined && domain.state !== "shutdown") {
    actions.push({ type: "shutdown" });
    actions.push(normal("ShuttingDown", "Signaled graceful shutdown to the guest."));
  }
  return { actions, requeueAfterMs: Math.min(deadline - now, SHUTDOWN_POLL_MS) + 50 };
}
