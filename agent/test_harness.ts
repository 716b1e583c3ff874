/**
 * Runs some of the agent's controllers on a Manager over an in-memory API server, for unit
 * tests: the controllers under test as the agent assembles them, nothing faked but the API.
 */
import type { KubeObject } from "../lib/kube/object.ts";
import type { FakeClock } from "../lib/clock.ts";
import type { CacheReader, Controller } from "../lib/controller.ts";
import { Manager } from "../lib/controller_manager.ts";
import type { EventRecorder } from "../lib/events.ts";
import type { Logger } from "../lib/log.ts";
import type { Resource } from "../lib/kube/resources.ts";
import type { FakeApi } from "../lib/testing/fake_api.ts";

export const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {}, with: () => quiet };

/** An event as recorded: `Type Reason name: message`. */
export type RecordedEvent = string;

export interface Harness {
  api: FakeApi;
  clock: FakeClock;
  events: RecordedEvent[];
  cache: CacheReader;
  /** Waits until `probe` holds (turning the event loop; times out after 5 s of real time). */
  until<T>(what: string, probe: () => T | undefined | false): Promise<T>;
  stop(): Promise<void>;
}

/** Starts `controllers` over `api`; the queues' delays run on `clock`. */
export function runControllers(
  api: FakeApi,
  clock: FakeClock,
  controllers: Controller[],
  caches: Resource[] = [],
): Harness {
  const events: RecordedEvent[] = [];
  const record = (obj: KubeObject, type: string, reason: string, message: string) => {
    events.push(`${type} ${reason} ${obj.metadata?.name}: ${message}`);
    return Promise.resolve();
  };
  const recorder: EventRecorder = {
    record,
    normal: (obj, reason, message) => record(obj, "Normal", reason, message),
    warning: (obj, reason, message) => record(obj, "Warning", reason, message),
  };
  const manager = new Manager({
    rest: api.rest,
    controllers,
    events: recorder,
    log: quiet,
    queue: { clock },
    caches,
  });
  const stopper = new AbortController();
  const running = manager.run(stopper.signal);
  return {
    api,
    clock,
    events,
    cache: (resource) => manager.store(resource),
    async until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const value = probe();
        if (value !== undefined && value !== false) return value as T;
        if (Date.now() > deadline) throw new Error(`Never saw ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    async stop() {
      stopper.abort();
      await running;
    },
  };
}

/** A host as `readHostInfo()` describes one, for Node objects in tests. */
export const TEST_HOST = {
  cpus: 2,
  memoryKiB: 4 * 1024 * 1024,
  machineID: "m",
  bootID: "b",
  kernelVersion: "6.1",
  osImage: "Debian",
};
