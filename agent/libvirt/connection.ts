/** `LibvirtConnection`: the `Hypervisor` interface over libvirt's C API. */

import { EventFeed } from "./event_feed.ts";
import { eventLoop } from "./events.ts";
import { LanePool } from "./lanes.ts";
import { readAllDomainStats } from "./domain_stats.ts";
import {
  attachDomainDevice,
  createDomain,
  defineDomain,
  destroyDomain,
  detachDomainDevice,
  rebootDomain,
  resumeDomain,
  shutdownDomain,
  startDomain,
  suspendDomain,
  undefineDomain,
} from "./domain_actions.ts";
import { domainInfo, listDomains, stateOf } from "./domain_reads.ts";
import { domainMetadata, domainXml, setDomainMetadata } from "./domain_definition.ts";
import { abortDomainJob, domainJobStats, migrateDomain } from "./domain_jobs.ts";
import { screenshotOf } from "./domain_screenshot.ts";
import { guestInfoOf } from "./guest_info.ts";
import type {
  DomainIdentity,
  DomainInfo,
  DomainLifecycleEvent,
  DomainRef,
  DomainStatsRecord,
  DomainStatus,
  DomainSummary,
  Hypervisor,
  JobStats,
  MetadataOptions,
  MigrateOptions,
  Screenshot,
} from "./types.ts";

export interface LibvirtOptions {
  /** Most libvirt calls in flight at once; each uses a connection of its own. Default 8. */
  maxConcurrentCalls?: number;
  /** virConnectSetKeepAlive(interval, count); default 5 s, 3 probes. */
  keepAlive?: { intervalSeconds: number; count: number } | false;
  /** Open the lifecycle-event connection. Default true. */
  events?: boolean;
}

/** Opens libvirt at `uri` (e.g. "qemu:///system"); close() it to let the process exit. */
export function openLibvirt(uri: string, options: LibvirtOptions = {}): Promise<LibvirtConnection> {
  return LibvirtConnection.open(uri, options);
}

export class LibvirtConnection implements Hypervisor {
  #pool: LanePool;
  #feed: EventFeed;
  #closed = false;

  private constructor(readonly uri: string, options: LibvirtOptions) {
    this.#pool = new LanePool(uri, {
      maxLanes: options.maxConcurrentCalls ?? 8,
      keepAlive: options.keepAlive ?? { intervalSeconds: 5, count: 3 },
      onLost: (conn) => this.#feed.connectionLost(conn),
    });
    this.#feed = new EventFeed(this.#pool);
  }

  /** Connects (failing fast if libvirtd is unreachable) and subscribes to lifecycle events. */
  static async open(uri: string, options: LibvirtOptions = {}): Promise<LibvirtConnection> {
    eventLoop.retain();
    const connection = new LibvirtConnection(uri, options);
    try {
      await connection.#pool.use(() => Promise.resolve());
      if (options.events ?? true) await connection.#feed.connect();
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  defineXml(xml: string): Promise<DomainIdentity> {
    return defineDomain(this.#pool, xml);
  }

  createXml(xml: string, options: { paused?: boolean } = {}): Promise<DomainIdentity> {
    return createDomain(this.#pool, xml, options);
  }

  undefine(domain: DomainRef): Promise<void> {
    return undefineDomain(this.#pool, domain);
  }

  start(domain: DomainRef): Promise<void> {
    return startDomain(this.#pool, domain);
  }

  destroy(domain: DomainRef): Promise<void> {
    return destroyDomain(this.#pool, domain);
  }

  shutdown(domain: DomainRef): Promise<void> {
    return shutdownDomain(this.#pool, domain);
  }

  reboot(domain: DomainRef, options: { guestAgent: boolean }): Promise<void> {
    return rebootDomain(this.#pool, domain, options);
  }

  attachDevice(domain: DomainRef, xml: string): Promise<void> {
    return attachDomainDevice(this.#pool, domain, xml);
  }

  detachDevice(domain: DomainRef, xml: string): Promise<void> {
    return detachDomainDevice(this.#pool, domain, xml);
  }

  suspend(domain: DomainRef): Promise<void> {
    return suspendDomain(this.#pool, domain);
  }

  resume(domain: DomainRef): Promise<void> {
    return resumeDomain(this.#pool, domain);
  }

  state(domain: DomainRef): Promise<DomainStatus> {
    return stateOf(this.#pool, domain);
  }

  info(domain: DomainRef): Promise<DomainInfo> {
    return domainInfo(this.#pool, domain);
  }

  xml(domain: DomainRef, options: { inactive?: boolean; secure?: boolean } = {}): Promise<string> {
    return domainXml(this.#pool, domain, options);
  }

  metadata(domain: DomainRef, options: MetadataOptions = {}): Promise<string | undefined> {
    return domainMetadata(this.#pool, domain, options);
  }

  setMetadata(
    domain: DomainRef,
    xml: string | undefined,
    options: MetadataOptions = {},
  ): Promise<void> {
    return setDomainMetadata(this.#pool, domain, xml, options);
  }

  migrate(domain: DomainRef, options: MigrateOptions): Promise<void> {
    return migrateDomain(this.#pool, domain, options);
  }

  abortJob(domain: DomainRef): Promise<void> {
    return abortDomainJob(this.#pool, domain);
  }

  jobStats(domain: DomainRef, options: { completed?: boolean } = {}): Promise<JobStats> {
    return domainJobStats(this.#pool, domain, options);
  }

  list(): Promise<DomainSummary[]> {
    return listDomains(this.#pool);
  }

  screenshot(domain: DomainRef): Promise<Screenshot> {
    return screenshotOf(this.#pool, domain);
  }

  guestInfo(domain: DomainRef, types: number): Promise<Record<string, number | string | boolean>> {
    return guestInfoOf(this.#pool, domain, types);
  }

  allDomainStats(): Promise<DomainStatsRecord[]> {
    return this.#pool.use(readAllDomainStats);
  }

  onLifecycle(listener: (event: DomainLifecycleEvent) => void): () => void {
    return this.#feed.onLifecycle(listener);
  }

  lifecycleEvents(signal?: AbortSignal): AsyncIterableIterator<DomainLifecycleEvent> {
    return this.#feed.lifecycleEvents(signal);
  }

  onReconnect(listener: () => void): () => void {
    return this.#feed.onReconnect(listener);
  }

  /** Waits for calls in flight, unsubscribes, closes every connection, stops the event loop. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#feed.close();
    await this.#pool.close();
    await eventLoop.release();
  }
}
