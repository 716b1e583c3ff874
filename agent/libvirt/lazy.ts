/**
 * A Hypervisor that connects to libvirt on first use and again after a failed connect, so the
 * agent starts before libvirtd does: calls fail until it answers, and the controllers making
 * them retry with their own backoff. Listeners registered early are attached once connected.
 */
import { type LibvirtConnection, type LibvirtOptions, openLibvirt } from "./connection.ts";
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

type Listener<T> = { fn: T; off?: () => void };

export class LazyHypervisor implements Hypervisor {
  #opening: Promise<LibvirtConnection> | undefined;
  #connection: LibvirtConnection | undefined;
  #closed = false;
  #lifecycle = new Set<Listener<(event: DomainLifecycleEvent) => void>>();
  #reconnect = new Set<Listener<() => void>>();
  #onConnect = new Set<(connection: LibvirtConnection) => void>();

  constructor(
    readonly uri: string,
    readonly options: LibvirtOptions = {},
    readonly open: (uri: string, options: LibvirtOptions) => Promise<LibvirtConnection> =
      openLibvirt,
  ) {}

  /** True once a connection is open. */
  get connected(): boolean {
    return this.#connection !== undefined;
  }

  /** The connection, opened now if need be; a failed open is tried again by the next call. */
  connection(): Promise<LibvirtConnection> {
    if (this.#closed) return Promise.reject(new Error("The libvirt connection is closed"));
    this.#opening ??= this.open(this.uri, this.options).then((connection) => {
      this.#connection = connection;
      for (const l of this.#lifecycle) l.off = connection.onLifecycle(l.fn);
      for (const l of this.#reconnect) l.off = connection.onReconnect(l.fn);
      for (const fn of this.#onConnect) fn(connection);
      return connection;
    }, (error) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  /** Calls `fn` once connected (at once if already), e.g. to learn what the host supports. */
  onConnect(fn: (connection: LibvirtConnection) => void): void {
    this.#onConnect.add(fn);
    if (this.#connection) fn(this.#connection);
  }

  defineXml(xml: string): Promise<DomainIdentity> {
    return this.connection().then((c) => c.defineXml(xml));
  }
  createXml(xml: string, options?: { paused?: boolean }): Promise<DomainIdentity> {
    return this.connection().then((c) => c.createXml(xml, options));
  }
  undefine(domain: DomainRef): Promise<void> {
    return this.connection().then((c) => c.undefine(domain));
  }
  start(domain: DomainRef): Promise<void> {
    return this.connection().then((c) => c.start(domain));
  }
  destroy(domain: DomainRef): Promise<void> {
    return this.connection().then((c) => c.destroy(domain));
  }
  shutdown(domain: DomainRef): Promise<void> {
    return this.connection().then((c) => c.shutdown(domain));
  }
  reboot(domain: DomainRef, options: { guestAgent: boolean }): Promise<void> {
    return this.connection().then((c) => c.reboot(domain, options));
  }
  suspend(domain: DomainRef): Promise<void> {
    return this.connection().then((c) => c.suspend(domain));
  }
  resume(domain: DomainRef): Promise<void> {
    return this.connection().then((c) => c.resume(domain));
  }
  state(domain: DomainRef): Promise<DomainStatus> {
    return this.connection().then((c) => c.state(domain));
  }
  info(domain: DomainRef): Promise<DomainInfo> {
    return this.connection().then((c) => c.info(domain));
  }
  xml(domain: DomainRef, options?: { inactive?: boolean; secure?: boolean }): Promise<string> {
    return this.connection().then((c) => c.xml(domain, options));
  }
  metadata(domain: DomainRef, options?: MetadataOptions): Promise<string | undefined> {
    return this.connection().then((c) => c.metadata(domain, options));
  }
  setMetadata(domain: DomainRef, xml: string | undefined, options?: MetadataOptions) {
    return this.connection().then((c) => c.setMetadata(domain, xml, options));
  }
  list(): Promise<DomainSummary[]> {
    return this.connection().then((c) => c.list());
  }
  guestInfo(domain: DomainRef, types: number) {
    return this.connection().then((c) => c.guestInfo(domain, types));
  }
  attachDevice(domain: DomainRef, xml: string): Promise<void> {
    return this.connection().then((c) => c.attachDevice(domain, xml));
  }

  detachDevice(domain: DomainRef, xml: string): Promise<void> {
    return this.connection().then((c) => c.detachDevice(domain, xml));
  }

  screenshot(domain: DomainRef): Promise<Screenshot> {
    return this.connection().then((c) => c.screenshot(domain));
  }
  allDomainStats(): Promise<DomainStatsRecord[]> {
    return this.connection().then((c) => c.allDomainStats());
  }
  migrate(domain: DomainRef, options: MigrateOptions): Promise<void> {
    return this.connection().then((c) => c.migrate(domain, options));
  }
  abortJob(domain: DomainRef): Promise<void> {
    return this.connection().then((c) => c.abortJob(domain));
  }
  jobStats(domain: DomainRef, options?: { completed?: boolean }): Promise<JobStats> {
    return this.connection().then((c) => c.jobStats(domain, options));
  }

  onLifecycle(listener: (event: DomainLifecycleEvent) => void): () => void {
    return this.#listen(this.#lifecycle, listener, (c) => c.onLifecycle(listener));
  }

  onReconnect(listener: () => void): () => void {
    return this.#listen(this.#reconnect, listener, (c) => c.onReconnect(listener));
  }

  lifecycleEvents(signal?: AbortSignal): AsyncIterableIterator<DomainLifecycleEvent> {
    if (!this.#connection) throw new Error("Cannot follow libvirt events before connecting");
    return this.#connection.lifecycleEvents(signal);
  }

  /** Closes the connection if one was opened; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const opening = this.#opening;
    this.#opening = undefined;
    this.#connection = undefined;
    await opening?.then((c) => c.close(), () => {});
  }

  #listen<T>(
    set: Set<Listener<T>>,
    fn: T,
    attach: (c: LibvirtConnection) => () => void,
  ): () => void {
    const entry: Listener<T> = { fn };
    set.add(entry);
    if (this.#connection) entry.off = attach(this.#connection);
    return () => {
      set.delete(entry);
      entry.off?.();
    };
  }
}
