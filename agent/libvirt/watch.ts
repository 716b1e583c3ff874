/**
 * libvirt's domains as a watch source, the way the API server's objects are one: a list, then
 * a stream of changes from lifecycle events, and a relist when the event connection came back
 * (events may have been lost). A Reflector over it keeps a store of domains and tells the
 * agent's controllers of each change, with its usual backoff and periodic relist.
 */
import type { KubeObject, ObjectMeta, WatchEvent } from "../../lib/kube/object.ts";
import type { Logger } from "../../lib/log.ts";
import { Reflector } from "../../lib/watch.ts";
import type { ListWatchSource } from "../../lib/watch_source.ts";
import { DomainNotFoundError } from "./errors.ts";
import type { DomainStateName } from "./names.ts";
import type { DomainStatus, Hypervisor } from "./types.ts";

/**
 * A domain as the store holds it: keyed by name, its resourceVersion changes with its state and
 * with its guest agent's connects and disconnects.
 */
export interface DomainObject extends KubeObject {
  metadata: ObjectMeta & { name: string; uid: string };
  state: DomainStateName;
  reason: string;
  /** The guest agent's last lifecycle event: `connected` or `disconnected` (none seen: absent). */
  agent?: string;
}

/** The store object of a domain in `status`, with its guest agent's last event. */
export function domainObject(
  name: string,
  uuid: string,
  status: DomainStatus,
  agent?: string,
): DomainObject {
  const version = `${uuid}/${status.state}/${status.reasonName}`;
  return {
    metadata: { name, uid: uuid, resourceVersion: agent ? `${version}/${agent}` : version },
    state: status.state,
    reason: status.reasonName,
    ...(agent ? { agent } : {}),
  };
}

/** A ListWatchSource over `hypervisor`, subscribed from now on so that no event falls between. */
export function libvirtListWatch(hypervisor: Hypervisor): ListWatchSource<DomainObject> & {
  close(): void;
} {
  // Domains with news, by name (their UUID), oldest first; a relist is due after a reconnect.
  const pending = new Map<string, string>();
  // The guest agent's last event by domain: a connect changes no domain state, only this.
  const agents = new Map<string, string>();
  let relist = false;
  let wake: (() => void) | undefined;
  const offs = [
    hypervisor.onLifecycle((event) => {
      if (event.event === "AgentLifecycle") agents.set(event.domain, event.detailName);
      pending.delete(event.domain);
      pending.set(event.domain, event.uuid);
      wake?.();
    }),
    hypervisor.onReconnect(() => {
      relist = true;
      wake?.();
    }),
  ];
  let version = 0;
  return {
    async list() {
      const domains = await hypervisor.list();
      // Events queued so far are older than this list.
      pending.clear();
      relist = false;
      for (const name of agents.keys()) {
        if (!domains.some((d) => d.name === name)) agents.delete(name);
      }
      return {
        items: domains.map((d) => domainObject(d.name, d.uuid, d, agents.get(d.name))),
        resourceVersion: String(++version),
      };
    },
    async *watch({ signal }): AsyncIterable<WatchEvent<DomainObject>> {
      const aborted = new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
      while (!signal.aborted) {
        if (relist) {
          // How the API server says "relist": a watch ERROR with 410 Gone.
          yield {
            type: "ERROR",
            object: {
              kind: "Status",
              code: 410,
              reason: "Expired",
              message: "libvirt reconnected",
            },
          };
          return;
        }
        const next = pending.entries().next().value;
        if (!next) {
          await Promise.race([new Promise<void>((resolve) => wake = resolve), aborted]);
          wake = undefined;
          continue;
        }
        pending.delete(next[0]);
        yield await changeOf(hypervisor, next[0], next[1], agents.get(next[0]));
      }
    },
    close() {
      for (const off of offs) off();
    },
  };
}

/** The current state of the domain an event named, or its deletion. */
async function changeOf(
  hypervisor: Hypervisor,
  name: string,
  uuid: string,
  agent: string | undefined,
): Promise<WatchEvent<DomainObject>> {
  try {
    return {
      type: "MODIFIED",
      object: domainObject(name, uuid, await hypervisor.state(name), agent),
    };
  } catch (error) {
    if (!(error instanceof DomainNotFoundError)) throw error;
    return {
      type: "DELETED",
      object: { metadata: { name, uid: uuid }, state: "shutoff", reason: "unknown" },
    };
  }
}

/** A Reflector of this node's libvirt domains, relisted every `resyncMs`. */
export function domainReflector(
  source: ListWatchSource<DomainObject>,
  resyncMs: number,
  log: Logger,
): Reflector<DomainObject> {
  return new Reflector<DomainObject>({
    name: "libvirt domains",
    source,
    log,
    resyncMs,
    // Lifecycle events come seldom: a quiet stream is no sign of a lost connection here.
    quietTimeoutMs: 3_600_000,
    backoff: { baseMs: 250, maxMs: 5_000, factor: 2, jitter: 0.2 },
  });
}
