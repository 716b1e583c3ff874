/** The calls that change a domain: define, create, start, stop, reboot, pause, hotplug a device. */

import { libvirt, toCString } from "./ffi.ts";
import { identityOf, withFree } from "./domain_handle.ts";
import { actOnDomain } from "./domain_lookup.ts";
import type { LanePool } from "./lanes.ts";
import { domainNameInXml } from "./xml_read.ts";
import type { DomainIdentity, DomainRef } from "./types.ts";

const VIR_DOMAIN_START_PAUSED = 1;
const VIR_DOMAIN_AFFECT_LIVE = 1;
const VIR_DOMAIN_REBOOT_ACPI_POWER_BTN = 1;
const VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN = 1;
const VIR_DOMAIN_REBOOT_GUEST_AGENT = 2;
// MANAGED_SAVE | SNAPSHOTS_METADATA | NVRAM | CHECKPOINTS_METADATA
const UNDEFINE_FLAGS = 1 | 2 | 4 | 16;

/** Defines (or redefines) a persistent domain. */
export function defineDomain(pool: LanePool, xml: string): Promise<DomainIdentity> {
  return pool.use(async (conn, fail) => {
    const dom = await libvirt().virDomainDefineXML(conn, toCString(xml));
    if (!dom) throw await fail(`Cannot define domain ${domainNameInXml(xml)}`);
    return withFree(dom, () => identityOf(dom));
  });
}

/** Creates and starts a transient domain. */
export function createDomain(
  pool: LanePool,
  xml: string,
  options: { paused?: boolean },
): Promise<DomainIdentity> {
  return pool.use(async (conn, fail) => {
    const flags = options.paused ? VIR_DOMAIN_START_PAUSED : 0;
    const dom = await libvirt().virDomainCreateXML(conn, toCString(xml), flags);
    if (!dom) throw await fail(`Cannot create domain ${domainNameInXml(xml)}`);
    return withFree(dom, () => identityOf(dom));
  });
}

/** Removes a persistent definition. */
export function undefineDomain(pool: LanePool, domain: DomainRef): Promise<void> {
  return actOnDomain(
    pool,
    "undefine",
    domain,
    (dom) => libvirt().virDomainUndefineFlags(dom, UNDEFINE_FLAGS),
  );
}

/** Starts a defined domain. */
export function startDomain(pool: LanePool, domain: DomainRef): Promise<void> {
  return actOnDomain(pool, "start", domain, (dom) => libvirt().virDomainCreate(dom));
}

/** Powers off at once. */
export function destroyDomain(pool: LanePool, domain: DomainRef): Promise<void> {
  return actOnDomain(pool, "destroy", domain, (dom) => libvirt().virDomainDestroy(dom));
}

/**
 * The ACPI power button, as virt-launcher presses it. Without flags libvirt would ask a
 * connected guest agent instead, which KubeVirt's graceful shutdown never does.
 */
export function shutdownDomain(pool: LanePool, domain: DomainRef): Promise<void> {
  return actOnDomain(
    pool,
    "shut down",
    domain,
    (dom) => libvirt().virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN),
  );
}

/** Asks the guest to reboot: through its guest agent, else the ACPI power button. */
export function rebootDomain(
  pool: LanePool,
  domain: DomainRef,
  options: { guestAgent: boolean },
): Promise<void> {
  const flags = options.guestAgent
    ? VIR_DOMAIN_REBOOT_GUEST_AGENT
    : VIR_DOMAIN_REBOOT_ACPI_POWER_BTN;
  return actOnDomain(pool, "reboot", domain, (dom) => libvirt().virDomainReboot(dom, flags));
}

/** Attaches a device to the running domain only. */
export function attachDomainDevice(pool: LanePool, domain: DomainRef, xml: string): Promise<void> {
  return actOnDomain(
    pool,
    "attach a device to",
    domain,
    (dom) => libvirt().virDomainAttachDeviceFlags(dom, toCString(xml), VIR_DOMAIN_AFFECT_LIVE),
  );
}

/** Detaches a device from the running domain only. */
export function detachDomainDevice(pool: LanePool, domain: DomainRef, xml: string): Promise<void> {
  return actOnDomain(
    pool,
    "detach a device from",
    domain,
    (dom) => libvirt().virDomainDetachDeviceFlags(dom, toCString(xml), VIR_DOMAIN_AFFECT_LIVE),
  );
}

/** Pauses the guest's vCPUs. */
export function suspendDomain(pool: LanePool, domain: DomainRef): Promise<void> {
  return actOnDomain(pool, "suspend", domain, (dom) => libvirt().virDomainSuspend(dom));
}

/** Lets a paused guest's vCPUs run again. */
export function resumeDomain(pool: LanePool, domain: DomainRef): Promise<void> {
  return actOnDomain(pool, "resume", domain, (dom) => libvirt().virDomainResume(dom));
}
