/**
 * How a VMI's domain ends, as plan() decides it: a deleted VMI's teardown and the phase it ends
 * in, a domain that stopped on its own, a failure, an orphan of a VMI gone. Pure.
 */
import { isFinished, type VirtualMachineInstance } from "../../api/mod.ts";
import { finalStatus } from "../status/vmi_status.ts";
import type { Action, Observation, ObservedDomain, Plan } from "./types.ts";

/** Every state but shut off has a QEMU process (or a crashed one to clean up). */
export function isActive(domain: ObservedDomain): boolean {
  return domain.state !== "shutoff";
}

/** A deleted VMI: destroy, undefine, remove every file, release the VMI. */
export function teardown(
  o: Observation,
  vmi: VirtualMachineInstance,
  domain: ObservedDomain | undefined,
): Action[] {
  const actions: Action[] = [];
  if (!isFinished(vmi.status?.phase)) {
    // How the guest ended, before the VMI goes: the VM controller waits to see it.
    const phase = deletedPhaseOf(vmi, domain);
    actions.push({
      type: "writeStatus",
      status: finalStatus(vmi, phase, undefined, o.launcherPod, o.now),
    });
  }
  if (domain && isActive(domain)) actions.push({ type: "destroy", uuid: domain.uuid });
  if (domain) actions.push({ type: "undefine", uuid: domain.uuid });
  actions.push({ type: "removeFiles", uid: vmi.metadata.uid!, keepSerialLog: false });
  actions.push({ type: "removeFinalizer" });
  if (domain) actions.push(normal("Deleted", `Domain ${domain.name} removed.`));
  return actions;
}

/**
 * The phase a deleted VMI ends in, as KubeVirt's virt-handler decides it: Succeeded when its
 * guest shut down, Failed when the domain had to be destroyed (unless the guest has no ACPI to
 * ask, where destroying is the way to stop it), lost, or never there.
 */
function deletedPhaseOf(
  vmi: VirtualMachineInstance,
  domain: ObservedDomain | undefined,
): "Succeeded" | "Failed" {
  const noAcpi = vmi.spec.domain.features?.acpi?.enabled === false;
  if (!domain) return "Failed";
  if (domain.state === "shutoff") {
    if (domain.reason === "shutdown") return "Succeeded";
    if (domain.reason === "destroyed" && noAcpi) return "Succeeded";
    return "Failed";
  }
  return noAcpi ? "Succeeded" : "Failed";
}

/**
 * A VMI that ended: its domain and disks go, its serial log stays (users read why it ended)
 * until the VMI is deleted; so does the finalizer.
 */
export function endedTeardown(
  vmi: VirtualMachineInstance,
  domain: ObservedDomain | undefined,
  justEnded: boolean,
): Action[] {
  if (!domain && !justEnded) return [];
  const actions: Action[] = [];
  if (domain && isActive(domain)) actions.push({ type: "destroy", uuid: domain.uuid });
  if (domain) actions.push({ type: "undefine", uuid: domain.uuid });
  actions.push({ type: "removeFiles", uid: vmi.metadata.uid!, keepSerialLog: true });
  return actions;
}

/** A domain of this node whose VMI is gone or was replaced by one with another uid. */
export function orphanTeardown(o: Observation, domain: ObservedDomain): Plan {
  const actions: Action[] = [];
  if (isActive(domain)) actions.push({ type: "destroy", uuid: domain.uuid });
  actions.push({ type: "undefine", uuid: domain.uuid });
  actions.push({ type: "removeFiles", uid: domain.owner!.uid, keepSerialLog: false });
  // Go on with the VMI now holding the name, if any.
  return o.vmi ? { actions, requeueAfterMs: 0 } : { actions };
}

/** The domain shut off on its own: Succeeded for a guest power-off, else Failed. */
export function ended(o: Observation, vmi: VirtualMachineInstance, domain: ObservedDomain): Plan {
  switch (domain.reason) {
    case "shutdown": {
      const status = finalStatus(vmi, "Succeeded", undefined, o.launcherPod, o.now);
      return {
        actions: [
          { type: "writeStatus", status },
          normal("Stopped", "The VirtualMachineInstance was shut down."),
          ...endedTeardown(vmi, domain, true),
        ],
      };
    }
    case "destroyed":
      return fail(o, vmi, "Destroyed", "The domain was destroyed");
    case "crashed":
      return fail(o, vmi, "Crashed", "The guest crashed");
    case "failed":
      return fail(o, vmi, "FailedStart", o.lastError ?? "The domain failed to start");
    default:
      return fail(
        o,
        vmi,
        "DomainStopped",
        `The domain stopped unexpectedly (libvirt reason: ${domain.reason})`,
      );
  }
}

/** Phase Failed with a reason and a Warning, then the domain goes. */
export function fail(
  o: Observation,
  vmi: VirtualMachineInstance,
  reason: string,
  message: string,
): Plan {
  const status = finalStatus(vmi, "Failed", reason, o.launcherPod, o.now);
  return {
    actions: [
      { type: "writeStatus", status },
      { type: "event", eventType: "Warning", reason, message },
      ...endedTeardown(vmi, o.domain, true),
    ],
  };
}

export function normal(reason: string, message: string): Action {
  return { type: "event", eventType: "Normal", reason, message };
}
