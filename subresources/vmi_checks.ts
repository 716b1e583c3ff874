/**
 * When the node-level subresources (pause, unpause, soft reboot, console, VNC, port-forward) may reach
 * the agent and the guest agent's may be answered, as virt-api decides it: pure checks that throw
 * a StatusError.
 */
import type { VmiLike, VmLike } from "./lifecycle.ts";
import { badRequest, conflict, StatusError } from "../lib/http/status.ts";
import { AGENT_CONNECTED_CONDITION } from "../api/mod.ts";

const hasCondition = (vmi: VmiLike, type: string, status?: string) =>
  (vmi.status?.conditions ?? []).some((c) =>
    c.type === type && (status === undefined || c.status === status)
  );

const nameOf = (vmi: VmiLike) => vmi.metadata.name ?? "";

/** Pause needs a running VMI that is not paused, not migrating and has no liveness probe. */
export function checkPause(vmi: VmiLike): void {
  if (vmi.status?.phase !== "Running") {
    throw conflict("virtualmachineinstance", nameOf(vmi), "VM is not running");
  }
  if (vmi.spec?.livenessProbe) {
    const error = conflict("virtualmachineinstance", nameOf(vmi), "");
    throw new StatusError({
      ...error.status,
      code: 403,
      reason: "Forbidden",
      message: `virtualmachineinstance.kubevirt.io "${nameOf(vmi)}" is forbidden: ` +
        "Pausing VMIs with LivenessProbe is currently not supported",
    });
  }
  if (hasCondition(vmi, "Paused")) {
    throw conflict("virtualmachineinstance", nameOf(vmi), "VMI is already paused");
  }
  if (vmi.status?.migrationState && !vmi.status.migrationState.completed) {
    throw conflict(
      "virtualmachineinstance",
      nameOf(vmi),
      `Cannot pause VM '${nameOf(vmi)}' because it is currently being migrated`,
    );
  }
}

/** Unpause needs a running, paused VMI whose VM (if any) is not being snapshotted. */
export function checkUnpause(vmi: VmiLike, vm: VmLike | undefined): void {
  if (vm?.status?.snapshotInProgress) {
    throw conflict("virtualmachine", nameOf(vmi), "VM snapshot is in progress");
  }
  if (vmi.status?.phase !== "Running") {
    throw conflict("virtualmachineinstance", nameOf(vmi), "VMI is not running");
  }
  if (!hasCondition(vmi, "Paused")) {
    throw conflict("virtualmachineinstance", nameOf(vmi), "VMI is not paused");
  }
}

/** A soft reboot needs a running, unpaused VMI with a guest agent or ACPI. */
export function checkSoftReboot(vmi: VmiLike): void {
  if (vmi.status?.phase !== "Running") {
    throw conflict("virtualmachineinstance", nameOf(vmi), "VM is not running");
  }
  if (hasCondition(vmi, "Paused", "True")) {
    throw conflict("virtualmachineinstance", nameOf(vmi), "VMI is paused");
  }
  if (
    !hasCondition(vmi, AGENT_CONNECTED_CONDITION) &&
    vmi.spec?.domain?.features?.acpi?.enabled === false
  ) {
    throw conflict(
      "virtualmachineinstance",
      nameOf(vmi),
      "VMI neither have the agent connected nor the ACPI feature enabled",
    );
  }
}

/**
 * The guest agent's subresources (guestosinfo, userlist, filesystemlist) need a running VMI
 * with the AgentConnected condition; virt-api looks for the condition, not its status.
 */
export function checkGuestAgent(vmi: VmiLike): void {
  if (vmi.status?.phase !== "Running") {
    throw conflict("virtualmachineinstance", nameOf(vmi), "VMI is not running");
  }
  if (!hasCondition(vmi, AGENT_CONNECTED_CONDITION)) {
    throw conflict(
      "virtualmachineinstance",
      nameOf(vmi),
      "VMI does not have guest agent connected",
    );
  }
}

/** The serial console needs one (autoattachSerialConsole not false) and a running VMI. */
export function checkConsole(vmi: VmiLike): void {
  if (vmi.spec?.domain?.devices?.autoattachSerialConsole === false) {
    throw badRequest("No serial consoles are present.");
  }
  const phase = vmi.status?.phase || "Pending";
  if (phase !== "Running") {
    throw badRequest(
      `Unable to connect to VirtualMachineInstance because phase is ${phase} instead of Running`,
    );
  }
}

/** VNC needs a graphics device (autoattachGraphicsDevice not false) and a running VMI. */
export function checkVnc(vmi: VmiLike): void {
  if (vmi.spec?.domain?.devices?.autoattachGraphicsDevice === false) {
    throw badRequest("No graphics devices are present.");
  }
  const phase = vmi.status?.phase || "Pending";
  if (phase !== "Running") {
    throw badRequest(
      `Unable to connect to VirtualMachineInstance because phase is ${phase} instead of Running`,
    );
  }
}

/**
 * Port-forward needs an unpaused VMI with interfaces in its status (virt-api's two checks: it
 * then dials the first interface's IP) that runs: the node agent of a running VMI relays.
 */
export function checkPortForward(vmi: VmiLike): void {
  if (hasCondition(vmi, "Paused")) {
    throw conflict("virtualmachineinstance", nameOf(vmi), "VMI is paused");
  }
  if ((vmi.status?.interfaces ?? []).length === 0) {
    throw badRequest("no network interfaces are present");
  }
  if (vmi.status?.phase !== "Running") {
    throw conflict("virtualmachineinstance", nameOf(vmi), "VMI is not running");
  }
}
