/** The hypervisor interface the agent programs against, and the values it exchanges. */

import type { DomainStateName, LifecycleEventName } from "./names.ts";

/** A domain's name, or its UUID (a UUID-shaped string is looked up by UUID). */
export type DomainRef = string;

/** Who a domain is. */
export interface DomainIdentity {
  name: string;
  uuid: string;
}

/** A domain's state (virDomainState) and why it is in it (the per-state reason enum). */
export interface DomainStatus {
  state: DomainStateName;
  reason: number;
  reasonName: string;
}

/** One entry of `list()`. */
export interface DomainSummary extends DomainIdentity, DomainStatus {}

/** virDomainInfo, in units that say so. */
export interface DomainInfo {
  state: DomainStateName;
  maxMemoryKiB: number;
  memoryKiB: number;
  vcpus: number;
  cpuTimeNs: number;
}

/** A VIR_DOMAIN_EVENT_ID_LIFECYCLE event: `event` names virDomainEventType, `detail` its detail. */
export interface DomainLifecycleEvent {
  domain: string;
  uuid: string;
  event: LifecycleEventName;
  detail: number;
  detailName: string;
}

/** Which definition a metadata change touches (VIR_DOMAIN_AFFECT_*). */
export type MetadataScope = "current" | "live" | "config" | "live+config";

export interface MetadataOptions {
  /** Namespace of the element; defaults to denovirt's. */
  uri?: string;
  /** Prefix used when writing the element; defaults to "denovirt". */
  key?: string;
  scope?: MetadataScope;
}

/** How to live-migrate a domain peer to peer (virDomainMigrateToURI3). */
export interface MigrateOptions {
  /** The target's libvirt, e.g. `qemu+tcp://10.0.0.2:16509/system`. */
  destinationUri: string;
  /** Where QEMU sends the guest (`tcp://<address>`), so libvirt never derives it from a hostname. */
  migrationUri: string;
  /** The domain's definition on the target. */
  destinationXml: string;
  /** MiB/s; 0 or absent: unlimited. */
  bandwidthMiB?: number;
  /** Targets (`vda`) of the local disks to copy along (incrementally, onto the target's overlays). */
  copyDisks?: string[];
}

/** A job's statistics (virDomainGetJobStats), by libvirt's field names, and the job type. */
export interface JobStats {
  /** virDomainJobType: 0 none, 1 bounded, 2 unbounded, 3 completed, 4 failed, 5 cancelled. */
  type: number;
  fields: Record<string, number | string | boolean>;
}

/** One domain's statistics (virConnectGetAllDomainStats), by libvirt's field names. */
export interface DomainStatsRecord {
  name: string;
  fields: Record<string, number | string | boolean>;
}

/** What the node agent needs from a hypervisor; `LibvirtConnection` implements it. */
export interface Hypervisor {
  /** Defines (or redefines) a persistent domain. */
  defineXml(xml: string): Promise<DomainIdentity>;
  /** Creates and starts a transient domain. */
  createXml(xml: string, options?: { paused?: boolean }): Promise<DomainIdentity>;
  /** Removes a persistent definition (with its managed save, NVRAM and snapshot metadata). */
  undefine(domain: DomainRef): Promise<void>;
  start(domain: DomainRef): Promise<void>;
  /** Powers off at once. */
  destroy(domain: DomainRef): Promise<void>;
  /** Asks the guest to power off (ACPI); returns before it has. */
  shutdown(domain: DomainRef): Promise<void>;
  /** Asks the guest to reboot: through its guest agent, else the ACPI power button. */
  reboot(domain: DomainRef, options: { guestAgent: boolean }): Promise<void>;
  /** Attaches a device (a `<disk>`) to the running domain only (VIR_DOMAIN_AFFECT_LIVE). */
  attachDevice(domain: DomainRef, xml: string): Promise<void>;
  /**
   * Detaches a device from the running domain; may return before a guest that must cooperate
   * (a PCI device) has let go of it, which the live XML then still shows.
   */
  detachDevice(domain: DomainRef, xml: string): Promise<void>;
  suspend(domain: DomainRef): Promise<void>;
  resume(domain: DomainRef): Promise<void>;
  state(domain: DomainRef): Promise<DomainStatus>;
  info(domain: DomainRef): Promise<DomainInfo>;
  xml(domain: DomainRef, options?: { inactive?: boolean; secure?: boolean }): Promise<string>;
  /** The metadata element in a namespace (denovirt's by default), or undefined if absent. */
  metadata(domain: DomainRef, options?: MetadataOptions): Promise<string | undefined>;
  /** Sets the metadata element in a namespace; `undefined` removes it. */
  setMetadata(domain: DomainRef, xml: string | undefined, options?: MetadataOptions): Promise<void>;
  /** Live-migrates the domain; resolves when the guest runs on the target (or throws). */
  migrate(domain: DomainRef, options: MigrateOptions): Promise<void>;
  /** Aborts the domain's job (a migration) in flight. */
  abortJob(domain: DomainRef): Promise<void>;
  /** The domain's job in flight, or with `completed` the one that just ended. */
  jobStats(domain: DomainRef, options?: { completed?: boolean }): Promise<JobStats>;
  /** Every domain, active or defined. */
  list(): Promise<DomainSummary[]>;
  /**
   * What the guest agent reports (virDomainGetGuestInfo), by libvirt's field names (`os.id`,
   * ...); `types` is virDomainGuestInfoTypes. Throws while no guest agent answers.
   */
  guestInfo(domain: DomainRef, types: number): Promise<Record<string, number | string | boolean>>;
  /** The domain's first screen as libvirt takes it from QEMU (PNG, or PPM from older QEMUs). */
  screenshot(domain: DomainRef): Promise<Screenshot>;
  /** The running domains' state, CPU, balloon, vCPU, interface and block counters: one call. */
  allDomainStats(): Promise<DomainStatsRecord[]>;
  /** Calls `listener` for each lifecycle event; returns the unsubscribe function. */
  onLifecycle(listener: (event: DomainLifecycleEvent) => void): () => void;
  /** Lifecycle events as an async iterator; it ends on `signal` or `close()`. */
  lifecycleEvents(signal?: AbortSignal): AsyncIterableIterator<DomainLifecycleEvent>;
  /** Calls `listener` after the event connection came back: events may have been missed. */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

/** An image of a domain's screen and its MIME type (`image/png`, `image/x-portable-pixmap`). */
export interface Screenshot {
  mime: string;
  data: Uint8Array<ArrayBuffer>;
}
