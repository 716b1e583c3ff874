/**
 * The VMI status the agent owns once a VMI is handed to its node (api/ownership.ts): the phase
 * (Running, Succeeded, Failed), its reason, the Ready (from the launcher pod, as in KubeVirt),
 * Paused, AgentConnected and Synchronized conditions, interfaces, volumes and machine type. Pure: the caller passes the
 * time.
 */
import {
  AGENT_CONNECTED_CONDITION,
  dataVolumesReadyCondition,
  type LiveMigratability,
  type Pod,
  readyConditionOf,
  type VirtualMachineInstance,
  type VirtualMachineInstanceNetworkInterface,
  type VirtualMachineInstancePhase,
  type VirtualMachineInstanceStatus,
} from "../../api/mod.ts";
import type { LiveDomainFacts } from "../libvirt/xml_read.ts";
import { withCondition, withoutCondition } from "../../api/conditions.ts";
import { POD_INTERFACE } from "../network/names.ts";
import { stableJson } from "./stable_json.ts";
import { volumeStatusOf } from "./volume_status.ts";
import { INFO_SOURCE, withGuestInterfaces } from "./guest_interfaces.ts";

/** The names of the VMI's interfaces bound with masquerade (the guest is behind NAT). */
function masqueradeOf(vmi: VirtualMachineInstance): Set<string> {
  return new Set(
    (vmi.spec.domain.devices.interfaces ?? []).filter((i) => i.masquerade !== undefined)
      .map((i) => i.name),
  );
}

/** KubeVirt's condition types and reasons the agent writes. */
export const CONDITION = {
  paused: "Paused",
  synchronized: "Synchronized",
} as const;

/** How a domain is paused, as the Paused condition says it (KubeVirt's reasons). */
export type PauseReason = "PausedByUser" | "PausedIOError" | undefined;

/** `status` with `phase`, appending a phaseTransitionTimestamp when the phase changes. */
export function withPhase(
  status: VirtualMachineInstanceStatus,
  phase: VirtualMachineInstancePhase,
  now: string,
): VirtualMachineInstanceStatus {
  if (status.phase === phase) return status;
  return {
    ...status,
    phase,
    phaseTransitionTimestamps: [
      ...(status.phaseTransitionTimestamps ?? []),
      { phase, phaseTransitionTimestamp: now },
    ],
  };
}

/**
 * The status of a VMI whose domain runs (or is paused) on this node; with `migratable`, its
 * LiveMigratable condition and migration method (api/live_migratable.ts).
 */
export function runningStatus(
  vmi: VirtualMachineInstance,
  live: LiveDomainFacts | undefined,
  paused: PauseReason,
  pod: Pod | undefined,
  now: string,
  migratable?: LiveMigratability,
): VirtualMachineInstanceStatus {
  const { reason: _, ...current } = vmi.status ?? {};
  let conditions = withoutCondition(current.conditions, CONDITION.synchronized);
  conditions = withCondition(conditions, readyConditionOf("Running", pod), now);
  conditions = paused
    ? withCondition(conditions, {
      type: CONDITION.paused,
      status: "True",
      reason: paused,
      message: paused === "PausedByUser"
        ? "VMI was paused by user"
        : "VMI was paused: disk I/O error",
    }, now)
    : withoutCondition(conditions, CONDITION.paused);
  if (migratable) conditions = withCondition(conditions, migratable.condition, now);
  // A domain runs on its DataVolumes only once each was filled: the controllers' last word before
  // the handover may have been an import still waiting for this node (WaitForFirstConsumer).
  const dataVolumes = dataVolumesReadyCondition(
    // Hotplugged ones report their own progress in volumeStatus.
    (vmi.spec.volumes ?? []).filter((v) => v.dataVolume && !v.dataVolume.hotpluggable)
      .map(() => "True" as const),
  );
  if (dataVolumes) conditions = withCondition(conditions, dataVolumes, now);
  // Present while the guest agent is connected, absent otherwise, as virt-handler keeps it.
  conditions = live?.guestAgentConnected
    ? withCondition(conditions, { type: AGENT_CONNECTED_CONDITION, status: "True" }, now)
    : withoutCondition(conditions, AGENT_CONNECTED_CONDITION);
  const status: VirtualMachineInstanceStatus = {
    ...withPhase(current, "Running", now),
    conditions,
  };
  if (migratable) status.migrationMethod = migratable.method;
  let interfaces = interfacesOf(vmi, live, pod);
  if (live?.guestInterfaces) {
    interfaces = withGuestInterfaces(interfaces, live.guestInterfaces, masqueradeOf(vmi));
  } else if (live?.guestAgentConnected && current.interfaces?.length) {
    // A connected agent that did not answer this time: its last report stays, as the OS's.
    interfaces = current.interfaces;
  }
  if (interfaces.length > 0) status.interfaces = interfaces;
  if (live?.machine) status.machine = { type: live.machine };
  // KubeVirt always sends guestOSInfo, `{}` until a guest agent reported; the last report stays
  // while the agent is away (a reboot).
  status.guestOSInfo = live?.guestOS ?? current.guestOSInfo ?? {};
  const volumes = volumeStatusOf(vmi, live);
  if (volumes.length > 0) status.volumeStatus = volumes;
  return status;
}

/** The status of a VMI whose domain ended: Succeeded (guest powered off) or Failed. */
export function finalStatus(
  vmi: VirtualMachineInstance,
  phase: "Succeeded" | "Failed",
  reason: string | undefined,
  pod: Pod | undefined,
  now: string,
): VirtualMachineInstanceStatus {
  const current = vmi.status ?? {};
  let conditions = withoutCondition(current.conditions, CONDITION.paused);
  conditions = withoutCondition(conditions, CONDITION.synchronized);
  conditions = withoutCondition(conditions, AGENT_CONNECTED_CONDITION);
  conditions = withCondition(conditions, readyConditionOf(phase, pod), now);
  const status: VirtualMachineInstanceStatus = { ...withPhase(current, phase, now), conditions };
  if (reason) status.reason = reason;
  else delete status.reason;
  return status;
}

/**
 * The status after a failed pass: the Synchronized condition says why (`reason`: Synchronizing,
 * or kubelet's ErrImagePull and ImagePullBackOff for a containerDisk), the rest is kept.
 */
export function syncFailedStatus(
  vmi: VirtualMachineInstance,
  message: string,
  now: string,
  reason = "Synchronizing",
): VirtualMachineInstanceStatus {
  const current = vmi.status ?? {};
  return {
    ...current,
    conditions: withCondition(current.conditions, {
      type: CONDITION.synchronized,
      status: "False",
      reason,
      message,
    }, now),
  };
}

/** Whether two statuses are the same (key order and undefined fields aside). */
export function sameStatus(
  a: VirtualMachineInstanceStatus | undefined,
  b: VirtualMachineInstanceStatus | undefined,
): boolean {
  return stableJson(a ?? {}) === stableJson(b ?? {});
}

/**
 * `status.interfaces`: each interface of the spec that the domain has, with the MAC libvirt
 * gave it; the one on the pod network with the launcher pod's IPs, as KubeVirt reports them
 * (the IPs the VM is reached at, whether the guest holds them or masquerade forwards them).
 */
export function interfacesOf(
  vmi: VirtualMachineInstance,
  live: LiveDomainFacts | undefined,
  pod: Pod | undefined,
): VirtualMachineInstanceNetworkInterface[] {
  const podNetwork = (vmi.spec.networks ?? []).find((n) => n.pod !== undefined)?.name;
  const podIPs = (pod?.status?.podIPs ?? []).map((p) => p.ip);
  const out: VirtualMachineInstanceNetworkInterface[] = [];
  for (const iface of vmi.spec.domain.devices.interfaces ?? []) {
    if (iface.state === "absent") continue;
    const found = live?.interfaces.find((i) => i.name === iface.name);
    if (!found) continue;
    const entry: VirtualMachineInstanceNetworkInterface = {
      name: iface.name,
      infoSource: INFO_SOURCE.domain,
    };
    if (found.mac) entry.mac = found.mac;
    if (iface.name === podNetwork && podIPs.length > 0) {
      entry.ipAddress = podIPs[0];
      entry.ipAddresses = podIPs;
      entry.podInterfaceName = POD_INTERFACE;
    }
    entry.linkState = iface.state === "down" ? "down" : "up";
    out.push(entry);
  }
  return out;
}
