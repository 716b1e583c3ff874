/** `LibvirtConnection`: the `Hypervisor` interface over libvirt's C API. */

import { VIR_ERR } from "./errors.ts";
import { freeC, libvirt, takeCString, toCString } from "./ffi.ts";
import type { Screenshot } from "./types.ts";
import { type Dom, identityOf, infoOf, statusOf, withFree } from "./domain_handle.ts";
import { EventFeed } from "./event_feed.ts";
import { eventLoop } from "./events.ts";
import { type Failure, LanePool } from "./lanes.ts";
import { DENOVIRT_METADATA_URI, isUuid, metadataScopeFlags } from "./names.ts";
import { domainNameInXml } from "./xml_read.ts";
import { readTypedParams, typedParams } from "./typed_params.ts";
import { migrateCall } from "./migrate_call.ts";
import { readAllDomainStats } from "./domain_stats.ts";
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
} from "./types.ts";

const VIR_DOMAIN_METADATA_ELEMENT = 2;
const VIR_DOMAIN_START_PAUSED = 1;
const VIR_DOMAIN_AFFECT_LIVE = 1;
const VIR_DOMAIN_REBOOT_ACPI_POWER_BTN = 1;
const VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN = 1;
/** Seconds libvirt waits for a guest agent's answer before it fails the call. */
const GUEST_AGENT_TIMEOUT_S = 2;
const VIR_DOMAIN_REBOOT_GUEST_AGENT = 2;
const VIR_DOMAIN_XML_SECURE = 1;
const VIR_DOMAIN_XML_INACTIVE = 2;
const VIR_DOMAIN_JOB_STATS_COMPLETED = 1;
// MANAGED_SAVE | SNAPSHOTS_METADATA | NVRAM | CHECKPOINTS_METADATA
const UNDEFINE_FLAGS = 1 | 2 | 4 | 16;

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
    return this.#pool.use(async (conn, fail) => {
      const dom = await libvirt().virDomainDefineXML(conn, toCString(xml));
      if (!dom) throw await fail(`Cannot define domain ${domainNameInXml(xml)}`);
      return withFree(dom, () => identityOf(dom));
    });
  }

  createXml(xml: string, options: { paused?: boolean } = {}): Promise<DomainIdentity> {
    return this.#pool.use(async (conn, fail) => {
      const flags = options.paused ? VIR_DOMAIN_START_PAUSED : 0;
      const dom = await libvirt().virDomainCreateXML(conn, toCString(xml), flags);
      if (!dom) throw await fail(`Cannot create domain ${domainNameInXml(xml)}`);
      return withFree(dom, () => identityOf(dom));
    });
  }

  undefine(domain: DomainRef): Promise<void> {
    return this.#act(
      "undefine",
      domain,
      (dom) => libvirt().virDomainUndefineFlags(dom, UNDEFINE_FLAGS),
    );
  }

  start(domain: DomainRef): Promise<void> {
    return this.#act("start", domain, (dom) => libvirt().virDomainCreate(dom));
  }

  destroy(domain: DomainRef): Promise<void> {
    return this.#act("destroy", domain, (dom) => libvirt().virDomainDestroy(dom));
  }

  /**
   * The ACPI power button, as virt-launcher presses it. Without flags libvirt would ask a
   * connected guest agent instead, which KubeVirt's graceful shutdown never does.
   */
  shutdown(domain: DomainRef): Promise<void> {
    return this.#act(
      "shut down",
      domain,
      (dom) => libvirt().virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN),
    );
  }

  reboot(domain: DomainRef, options: { guestAgent: boolean }): Promise<void> {
    const flags = options.guestAgent
      ? VIR_DOMAIN_REBOOT_GUEST_AGENT
      : VIR_DOMAIN_REBOOT_ACPI_POWER_BTN;
    return this.#act("reboot", domain, (dom) => libvirt().virDomainReboot(dom, flags));
  }

  attachDevice(domain: DomainRef, xml: string): Promise<void> {
    return this.#act(
      "attach a device to",
      domain,
      (dom) => libvirt().virDomainAttachDeviceFlags(dom, toCString(xml), VIR_DOMAIN_AFFECT_LIVE),
    );
  }

  detachDevice(domain: DomainRef, xml: string): Promise<void> {
    return this.#act(
      "detach a device from",
      domain,
      (dom) => libvirt().virDomainDetachDeviceFlags(dom, toCString(xml), VIR_DOMAIN_AFFECT_LIVE),
    );
  }

  suspend(domain: DomainRef): Promise<void> {
    return this.#act("suspend", domain, (dom) => libvirt().virDomainSuspend(dom));
  }

  resume(domain: DomainRef): Promise<void> {
    return this.#act("resume", domain, (dom) => libvirt().virDomainResume(dom));
  }

  state(domain: DomainRef): Promise<DomainStatus> {
    return this.#withDomain("read the state of", domain, async (dom, fail) => {
      const status = await statusOf(dom);
      if (!status) throw await fail(`Cannot read the state of domain ${domain}`);
      return status;
    });
  }

  info(domain: DomainRef): Promise<DomainInfo> {
    return this.#withDomain("read info of", domain, async (dom, fail) => {
      const info = await infoOf(dom);
      if (!info) throw await fail(`Cannot read info of domain ${domain}`);
      return info;
    });
  }

  xml(domain: DomainRef, options: { inactive?: boolean; secure?: boolean } = {}): Promise<string> {
    const flags = (options.inactive ? VIR_DOMAIN_XML_INACTIVE : 0) |
      (options.secure ? VIR_DOMAIN_XML_SECURE : 0);
    return this.#withDomain("read the XML of", domain, async (dom, fail) => {
      const xml = takeCString(await libvirt().virDomainGetXMLDesc(dom, flags));
      if (xml === undefined) throw await fail(`Cannot read the XML of domain ${domain}`);
      return xml;
    });
  }

  metadata(domain: DomainRef, options: MetadataOptions = {}): Promise<string | undefined> {
    const uri = toCString(options.uri ?? DENOVIRT_METADATA_URI);
    const flags = metadataScopeFlags(options.scope);
    return this.#withDomain("read metadata of", domain, async (dom, fail) => {
      const ptr = await libvirt().virDomainGetMetadata(
        dom,
        VIR_DOMAIN_METADATA_ELEMENT,
        uri,
        flags,
      );
      if (ptr) return takeCString(ptr);
      const error = await fail(`Cannot read metadata of domain ${domain}`);
      if (error.code === VIR_ERR.NO_DOMAIN_METADATA) return undefined;
      throw error;
    });
  }

  setMetadata(
    domain: DomainRef,
    xml: string | undefined,
    options: MetadataOptions = {},
  ): Promise<void> {
    const uri = toCString(options.uri ?? DENOVIRT_METADATA_URI);
    const key = toCString(options.key ?? "denovirt");
    const flags = metadataScopeFlags(options.scope);
    const metadata = xml === undefined ? null : toCString(xml);
    return this.#act(
      "set metadata of",
      domain,
      (dom) =>
        libvirt().virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, metadata, key, uri, flags),
    );
  }

  migrate(domain: DomainRef, options: MigrateOptions): Promise<void> {
    const { params, flags } = migrateCall(options);
    const built = typedParams(params);
    return this.#act("migrate", domain, async (dom) => {
      const result = await libvirt().virDomainMigrateToURI3(
        dom,
        toCString(options.destinationUri),
        built.buffer,
        built.count,
        flags,
      );
      void built.strings; // alive until the call returned
      return result;
    });
  }

  abortJob(domain: DomainRef): Promise<void> {
    return this.#act("abort the job of", domain, (dom) => libvirt().virDomainAbortJob(dom));
  }

  jobStats(domain: DomainRef, options: { completed?: boolean } = {}): Promise<JobStats> {
    const flags = options.completed ? VIR_DOMAIN_JOB_STATS_COMPLETED : 0;
    return this.#withDomain("read the job of", domain, async (dom, fail) => {
      const type = new Int32Array(1);
      const params = new BigUint64Array(1);
      const count = new Int32Array(1);
      const lib = libvirt();
      if (await lib.virDomainGetJobStats(dom, type, params, count, flags) < 0) {
        throw await fail(`Cannot read the job of domain ${domain}`);
      }
      const pointer = Deno.UnsafePointer.create(params[0]!);
      try {
        return { type: type[0]!, fields: pointer ? readTypedParams(pointer, count[0]!) : {} };
      } finally {
        if (pointer) lib.virTypedParamsFree(pointer, count[0]!);
      }
    });
  }

  list(): Promise<DomainSummary[]> {
    return this.#pool.use(async (conn, fail) => {
      const lib = libvirt();
      const out = new BigUint64Array(1); // virDomainPtr **
      const count = await lib.virConnectListAllDomains(conn, out, 0);
      if (count < 0) throw await fail("Cannot list domains");
      const array = Deno.UnsafePointer.create(out[0]!);
      const view = array && new Deno.UnsafePointerView(array);
      const doms: Dom[] = [];
      for (let i = 0; view && i < count; i++) {
        const dom = view.getPointer(i * 8);
        if (dom) doms.push(dom);
      }
      freeC(array);
      try {
        const summaries: DomainSummary[] = [];
        for (const dom of doms) {
          const status = await statusOf(dom);
          if (status) summaries.push({ ...identityOf(dom), ...status });
          else {
            const error = await fail("Cannot read the state of a listed domain");
            if (error.code !== VIR_ERR.NO_DOMAIN) throw error; // else it vanished meanwhile
          }
        }
        return summaries;
      } finally {
        for (const dom of doms) lib.virDomainFree(dom);
      }
    });
  }

  screenshot(domain: DomainRef): Promise<Screenshot> {
    return this.#withDomain("take a screenshot of", domain, async (dom, fail, conn) => {
      const lib = libvirt();
      const stream = await lib.virStreamNew(conn, 0);
      if (!stream) throw await fail(`Cannot take a screenshot of domain ${domain}`);
      let finished = false;
      try {
        const mime = takeCString(await lib.virDomainScreenshot(dom, stream, 0, 0));
        if (mime === undefined) throw await fail(`Cannot take a screenshot of domain ${domain}`);
        const chunks: Uint8Array[] = [];
        const buffer = new Uint8Array(256 * 1024);
        for (;;) {
          const n = await lib.virStreamRecv(stream, buffer, BigInt(buffer.length));
          if (n < 0) throw await fail(`Cannot read the screenshot of domain ${domain}`);
          if (n === 0) break;
          chunks.push(buffer.slice(0, n));
        }
        if (await lib.virStreamFinish(stream) < 0) {
          throw await fail(`Cannot read the screenshot of domain ${domain}`);
        }
        finished = true;
        const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
        let at = 0;
        for (const c of chunks) (out.set(c, at), at += c.length);
        return { mime, data: out };
      } finally {
        if (!finished) await lib.virStreamAbort(stream);
        await lib.virStreamFree(stream);
      }
    });
  }

  guestInfo(domain: DomainRef, types: number): Promise<Record<string, number | string | boolean>> {
    return this.#withDomain("read the guest agent of", domain, async (dom, fail) => {
      const params = new BigUint64Array(1);
      const count = new Int32Array(1);
      const lib = libvirt();
      // A guest agent that stopped answering (a guest rebooting, just migrated, hung) would hold
      // this call, and the VMI's pass with it, forever: libvirt blocks on the agent by default.
      await lib.virDomainAgentSetResponseTimeout(dom, GUEST_AGENT_TIMEOUT_S, 0);
      if (await lib.virDomainGetGuestInfo(dom, types, params, count, 0) < 0) {
        throw await fail(`Cannot read the guest agent of domain ${domain}`);
      }
      const pointer = Deno.UnsafePointer.create(params[0]!);
      try {
        return pointer ? readTypedParams(pointer, count[0]!) : {};
      } finally {
        if (pointer) lib.virTypedParamsFree(pointer, count[0]!);
      }
    });
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

  /** Looks `ref` up on a lane of its own, runs `fn`, frees the handle. */
  #withDomain<T>(
    verb: string,
    ref: DomainRef,
    fn: (dom: Dom, fail: Failure, conn: Deno.PointerObject) => Promise<T>,
  ): Promise<T> {
    return this.#pool.use(async (conn, fail) => {
      const lib = libvirt();
      const dom = isUuid(ref)
        ? await lib.virDomainLookupByUUIDString(conn, toCString(ref))
        : await lib.virDomainLookupByName(conn, toCString(ref));
      if (!dom) throw await fail(`Cannot ${verb} domain ${ref}`);
      return await withFree(dom, () => fn(dom, fail, conn));
    });
  }

  /** A domain operation that returns 0 or -1. */
  #act(verb: string, ref: DomainRef, call: (dom: Dom) => Promise<number>): Promise<void> {
    return this.#withDomain(verb, ref, async (dom, fail) => {
      if (await call(dom) < 0) throw await fail(`Cannot ${verb} domain ${ref}`);
    });
  }
}
