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
  suspend(domain: DomainRef): Promise<void>;
  resume(domain: DomainRef): Promise<void>;
  state(domain: DomainRef): Promise<DomainStatus>;
  info(domain: DomainRef): Promise<DomainInfo>;
  xml(domain: DomainRef, options?: { inactive?: boolean; secure?: boolean }): Promise<string>;
  /** The metadata element in a namespace (denovirt's by default), or undefined if absent. */
  metadata(domain: DomainRef, options?: MetadataOptions): Promise<string | undefined>;
  /** Sets the metadata element in a namespace; `undefined` removes it. */
  setMetadata(domain: DomainRef, xml: string | undefined, options?: MetadataOptions): Promise<void>;
  /** Every domain, active or defined. */
  list(): Promise<DomainSummary[]>;
  /** Calls `listener` for each lifecycle event; returns the unsubscribe function. */
  onLifecycle(listener: (event: DomainLifecycleEvent) => void): () => void;
  /** Lifecycle events as an async iterator; it ends on `signal` or `close()`. */
  lifecycleEvents(signal?: AbortSignal): AsyncIterableIterator<DomainLifecycleEvent>;
  /** Calls `listener` after the event connection came back: events may have been missed. */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}
