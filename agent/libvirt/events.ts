/**
 * libvirt's default event loop, run from JS, and lifecycle-event delivery.
 *
 * The loop is one `virEventRunDefaultImpl` call after another, each `nonblocking`, so it takes
 * one thread of Deno's blocking pool while other nonblocking calls run on other threads.
 * libvirt invokes our callbacks on that thread; `threadSafe` callbacks hand them to the JS
 * thread and block the loop thread until they return, so they must stay short.
 */

import { logger } from "../../lib/log.ts";
import { libvirt, readCString } from "./ffi.ts";
import { eventDetailName, lifecycleEventName } from "./names.ts";
import type { DomainLifecycleEvent } from "./types.ts";

const log = logger({ component: "libvirt" });

const VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;
const VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE = 18;
/** virConnectDomainEventAgentLifecycleState: 1 connected, 2 disconnected. */
const AGENT_CONNECTED = 1;
const VIR_UUID_STRING_BUFLEN = 37;

/** virEventTimeoutCallback */
const TIMEOUT_CALLBACK = { parameters: ["i32", "pointer"], result: "void" } as const;
/** virConnectDomainEventCallback */
const LIFECYCLE_CALLBACK = {
  parameters: ["pointer", "pointer", "i32", "i32", "pointer"],
  result: "i32",
} as const;

/** Shared by every connection of the process: libvirt has one default event loop. */
class EventLoop {
  #users = 0;
  #stopping = false;
  #running: Promise<void> | undefined;
  #looping = false;
  #iterations = 0;
  #iterationWaiters: Array<() => void> = [];
  #wake: Deno.UnsafeCallback<typeof TIMEOUT_CALLBACK> | undefined;

  /** Starts the loop for one more user. */
  retain(): void {
    // While a stop is under way, release() restarts the loop for the new user.
    if (++this.#users === 1 && !this.#running) this.#start();
  }

  /** Stops the loop once its last user released it; resolves when the loop thread is free. */
  async release(): Promise<void> {
    const running = this.#running;
    if (--this.#users > 0 || !running) return;
    this.#stopping = true;
    await this.#whileWoken(() => running);
    if (this.#running !== running) return;
    this.#running = undefined;
    if (this.#users > 0) this.#start();
  }

  /**
   * Resolves once no dispatch that began before the call can still be running: after two
   * more loop iterations, since callbacks run inside an iteration. Used before a callback
   * libvirt no longer knows about is closed.
   */
  async quiesce(): Promise<void> {
    if (!this.#running) return;
    const target = this.#iterations + 2;
    await this.#whileWoken(async () => {
      while (this.#iterations < target && this.#looping) {
        await new Promise<void>((resolve) => this.#iterationWaiters.push(resolve));
      }
    });
  }

  #start(): void {
    this.#stopping = false;
    this.#looping = true;
    this.#running = this.#run().finally(() => {
      this.#looping = false;
      for (const resolve of this.#iterationWaiters.splice(0)) resolve();
    });
  }

  async #run(): Promise<void> {
    const lib = libvirt();
    while (!this.#stopping) {
      const rc = await lib.virEventRunDefaultImpl();
      this.#iterations++;
      for (const resolve of this.#iterationWaiters.splice(0)) resolve();
      if (rc < 0) {
        log.warn("libvirt event loop iteration failed");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Keeps a zero-delay timeout registered (so every iteration returns at once) during `wait`. */
  async #whileWoken(wait: () => Promise<void> | undefined): Promise<void> {
    const lib = libvirt();
    // Never closed: libvirt may still be calling it when we remove the timeout. It is unref'd,
    // so it does not keep the process alive.
    this.#wake ??= Deno.UnsafeCallback.threadSafe(TIMEOUT_CALLBACK, () => {});
    this.#wake.unref();
    const timer = lib.virEventAddTimeout(0, this.#wake.pointer, null, null);
    try {
      await wait();
    } finally {
      if (timer >= 0) lib.virEventRemoveTimeout(timer);
    }
  }
}

/** The process's libvirt event loop. */
export const eventLoop: EventLoop = new EventLoop();

/** virConnectDomainEventAgentLifecycleCallback */
const AGENT_LIFECYCLE_CALLBACK = {
  parameters: ["pointer", "pointer", "i32", "i32", "pointer"],
  result: "void",
} as const;

/** Lifecycle and guest-agent-lifecycle callbacks registered on one connection. */
export class LifecycleSubscription {
  private constructor(
    private readonly conn: Deno.PointerObject,
    private readonly callback: Deno.UnsafeCallback<typeof LIFECYCLE_CALLBACK>,
    private readonly id: number,
    private readonly agent:
      | { callback: Deno.UnsafeCallback<typeof AGENT_LIFECYCLE_CALLBACK>; id: number }
      | undefined,
  ) {}

  /** Registers for every domain's lifecycle events on `conn`. */
  static async register(
    conn: Deno.PointerObject,
    listener: (event: DomainLifecycleEvent) => void,
  ): Promise<LifecycleSubscription> {
    const lib = libvirt();
    const callback = Deno.UnsafeCallback.threadSafe(
      LIFECYCLE_CALLBACK,
      (_conn, dom, event, detail) => {
        if (!dom) return 0;
        const delivered = lifecycleEventOf(dom, event, detail);
        // Run the listener after returning, so libvirt's loop thread is not held by it.
        queueMicrotask(() => {
          try {
            listener(delivered);
          } catch (error) {
            log.error("Lifecycle event listener failed", { error, event: delivered });
          }
        });
        return 0;
      },
    );
    callback.unref();
    const id = await lib.virConnectDomainEventRegisterAny(
      conn,
      null,
      VIR_DOMAIN_EVENT_ID_LIFECYCLE,
      callback.pointer,
      null,
      null,
    );
    if (id < 0) {
      callback.close();
      throw new Error("Cannot register for libvirt lifecycle events");
    }
    return new LifecycleSubscription(
      conn,
      callback,
      id,
      await registerAgentLifecycle(conn, listener),
    );
  }

  /** Deregisters and frees the callback once libvirt can no longer be running it. */
  async cancel(): Promise<void> {
    // Fails harmlessly on a dead connection: its events are gone with it.
    await libvirt().virConnectDomainEventDeregisterAny(this.conn, this.id);
    if (this.agent) await libvirt().virConnectDomainEventDeregisterAny(this.conn, this.agent.id);
    await eventLoop.quiesce();
    this.callback.close();
    this.agent?.callback.close();
  }
}

/**
 * The guest agent's connects and disconnects (libvirt's agent-lifecycle event), delivered as
 * lifecycle events named `AgentLifecycle`; undefined when libvirt cannot register them (the
 * periodic resync then notices the agent).
 */
async function registerAgentLifecycle(
  conn: Deno.PointerObject,
  listener: (event: DomainLifecycleEvent) => void,
) {
  const lib = libvirt();
  const callback = Deno.UnsafeCallback.threadSafe(
    AGENT_LIFECYCLE_CALLBACK,
    (_conn, dom, state) => {
      if (!dom) return;
      const delivered = agentEventOf(dom, state === AGENT_CONNECTED);
      queueMicrotask(() => {
        try {
          listener(delivered);
        } catch (error) {
          log.error("Agent lifecycle event listener failed", { error, event: delivered });
        }
      });
    },
  );
  callback.unref();
  const id = await lib.virConnectDomainEventRegisterAny(
    conn,
    null,
    VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
    callback.pointer,
    null,
    null,
  );
  if (id < 0) {
    callback.close();
    log.warn("Cannot register for libvirt's guest agent lifecycle events");
    return undefined;
  }
  return { callback, id };
}

function agentEventOf(dom: Deno.PointerObject, connected: boolean): DomainLifecycleEvent {
  const { domain, uuid } = domainIdentityOf(dom);
  return {
    domain,
    uuid,
    event: "AgentLifecycle",
    detail: connected ? 1 : 2,
    detailName: connected ? "connected" : "disconnected",
  };
}

function domainIdentityOf(dom: Deno.PointerObject) {
  const lib = libvirt();
  const uuid = new Uint8Array(VIR_UUID_STRING_BUFLEN);
  lib.virDomainGetUUIDString(dom, uuid);
  return {
    // Owned by the domain handle: not to be freed.
    domain: readCString(lib.virDomainGetName(dom)) ?? "",
    uuid: new TextDecoder().decode(uuid.subarray(0, VIR_UUID_STRING_BUFLEN - 1)),
  };
}

function lifecycleEventOf(dom: Deno.PointerObject, event: number, detail: number) {
  const name = lifecycleEventName(event);
  return {
    ...domainIdentityOf(dom),
    event: name,
    detail,
    detailName: eventDetailName(name, detail),
  } satisfies DomainLifecycleEvent;
}
