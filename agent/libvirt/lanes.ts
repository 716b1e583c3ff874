/**
 * Connections to one libvirtd that each run one call at a time ("lanes").
 *
 * Why: libvirt keeps the last error per thread, and each nonblocking FFI call runs on
 * whichever pool thread is free, so a later virGetLastError() may read another thread's
 * error (or none). libvirt also copies each failed call's error into its connection
 * (virDispatchError -> conn->err, read under the connection's lock by virConnCopyLastError).
 * With one call in flight per connection, that copy belongs to the call that just failed.
 * Concurrency comes from several lanes; each is opened when first needed and reopened after
 * it is lost.
 */

import { logger } from "../../lib/log.ts";
import {
  ConnectionError,
  type LibvirtError,
  libvirtErrorFor,
  mayMeanConnectionLost,
  VIR_ERR,
} from "./errors.ts";
import { connectionError, globalErrors, libvirt, silentErrorHandler, toCString } from "./ffi.ts";

const log = logger({ component: "libvirt" });

const CLOSE_REASONS = ["error", "eof", "keepalive", "client"];

/** virConnectCloseFunc */
const CLOSE_CALLBACK = { parameters: ["pointer", "i32", "pointer"], result: "void" } as const;

export interface LaneOptions {
  /** Most calls in flight at once (one per lane). */
  maxLanes: number;
  /** virConnectSetKeepAlive arguments, or false to leave keepalive off. */
  keepAlive: { intervalSeconds: number; count: number } | false;
  /** Called (on the JS thread) when libvirt reports any connection of this pool closed. */
  onLost?: (conn: Deno.PointerObject, reason: string) => void;
}

/** Builds the typed error for the call that just failed on this lane. */
export type Failure = (context: string) => Promise<LibvirtError>;

interface Lane {
  conn: Deno.PointerObject | undefined;
  lost: boolean;
}

export class LanePool {
  #idle: Lane[] = [];
  #busy = new Set<Lane>();
  #waiters: Array<{ resolve: (lane: Lane) => void; reject: (error: Error) => void }> = [];
  #opened = new Set<Deno.PointerObject>();
  #opening: Promise<void> = Promise.resolve();
  #closed = false;
  #drained: (() => void) | undefined;
  #onClose: Deno.UnsafeCallback<typeof CLOSE_CALLBACK>;

  constructor(readonly uri: string, private readonly options: LaneOptions) {
    this.#onClose = Deno.UnsafeCallback.threadSafe(
      CLOSE_CALLBACK,
      (conn, reason) => this.#closedByLibvirt(conn, CLOSE_REASONS[reason] ?? String(reason)),
    );
    this.#onClose.unref();
  }

  /** Runs `fn` with a connection no other call uses meanwhile. */
  async use<T>(fn: (conn: Deno.PointerObject, fail: Failure) => Promise<T>): Promise<T> {
    const lane = await this.#acquire();
    try {
      if (!lane.conn || lane.lost) await this.#reopen(lane);
      const conn = lane.conn!;
      libvirt().virConnResetLastError(conn);
      return await fn(conn, (context) => this.#failure(lane, conn, context));
    } finally {
      this.#release(lane);
    }
  }

  /** Opens a connection with our error handler, close callback and keepalive. */
  async openConnection(): Promise<Deno.PointerObject> {
    const lib = libvirt();
    // One open at a time: an error raised without a connection then belongs to this open.
    const previous = this.#opening;
    let done!: () => void;
    this.#opening = new Promise((resolve) => done = resolve);
    await previous;
    try {
      const before = globalErrors().seq;
      const conn = await lib.virConnectOpen(toCString(this.uri));
      if (!conn) {
        const { seq, latest } = globalErrors();
        const error = seq > before ? latest : undefined;
        throw new ConnectionError(
          `Cannot connect to libvirt at ${this.uri}`,
          error?.code ?? VIR_ERR.NO_CONNECT,
          error?.domain ?? 0,
          error?.message ?? "libvirt reported no error detail",
        );
      }
      lib.virConnSetErrorFunc(conn, null, silentErrorHandler());
      if (await lib.virConnectRegisterCloseCallback(conn, this.#onClose.pointer, null, null) < 0) {
        log.warn("Cannot watch libvirt connection for loss", { uri: this.uri });
      }
      this.#opened.add(conn);
      const keepAlive = this.options.keepAlive;
      if (keepAlive) {
        const rc = await lib.virConnectSetKeepAlive(
          conn,
          keepAlive.intervalSeconds,
          keepAlive.count,
        );
        if (rc < 0) log.warn("Cannot enable libvirt keepalive", { error: connectionError(conn) });
      }
      return conn;
    } finally {
      done();
    }
  }

  /** Closes a connection from `openConnection()`; no call may be using it. */
  async closeConnection(conn: Deno.PointerObject): Promise<void> {
    const lib = libvirt();
    // Returns only when no close callback is running: libvirt calls it under the same lock.
    await lib.virConnectUnregisterCloseCallback(conn, this.#onClose.pointer);
    this.#opened.delete(conn);
    await lib.virConnectClose(conn);
  }

  /** Waits for calls in flight, then closes every lane. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#closedError());
    if (this.#busy.size > 0) await new Promise<void>((resolve) => this.#drained = resolve);
    for (const lane of this.#idle.splice(0)) {
      if (lane.conn) await this.closeConnection(lane.conn);
    }
    if (this.#opened.size === 0) this.#onClose.close();
    else log.warn("libvirt connections left open at pool close", { count: this.#opened.size });
  }

  #acquire(): Promise<Lane> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const lane = this.#idle.pop() ??
      (this.#busy.size < this.options.maxLanes ? { conn: undefined, lost: false } : undefined);
    if (lane) {
      this.#busy.add(lane);
      return Promise.resolve(lane);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #release(lane: Lane): void {
    const waiter = this.#waiters.shift();
    if (waiter) return waiter.resolve(lane);
    this.#busy.delete(lane);
    this.#idle.push(lane);
    if (this.#busy.size === 0) this.#drained?.();
  }

  async #reopen(lane: Lane): Promise<void> {
    if (lane.conn) {
      const old = lane.conn;
      lane.conn = undefined;
      await this.closeConnection(old).catch((error) =>
        log.warn("Cannot close lost connection", { error })
      );
    }
    lane.conn = await this.openConnection();
    lane.lost = false;
  }

  async #failure(lane: Lane, conn: Deno.PointerObject, context: string): Promise<LibvirtError> {
    const error = connectionError(conn);
    if (error && mayMeanConnectionLost(error.code)) {
      if (await libvirt().virConnectIsAlive(conn) !== 1) {
        lane.lost = true;
        return new ConnectionError(context, error.code, error.domain, error.message);
      }
    }
    return libvirtErrorFor(context, error);
  }

  #closedByLibvirt(conn: Deno.PointerValue, reason: string): void {
    if (!conn) return;
    const lane = [...this.#idle, ...this.#busy].find((l) =>
      l.conn && Deno.UnsafePointer.equals(l.conn, conn)
    );
    if (lane) lane.lost = true;
    log.warn("libvirt connection lost", { uri: this.uri, reason });
    this.options.onLost?.(conn, reason);
  }

  #closedError(): ConnectionError {
    return new ConnectionError(
      `Cannot call libvirt at ${this.uri}`,
      VIR_ERR.NO_CONNECT,
      0,
      "the connection is closed",
    );
  }
}
