import assert from "node:assert/strict";
import { Store } from "./cache.ts";
import type { ChangeHandler, ChangeSource } from "./change_source.ts";
import { FakeClock } from "./clock.ts";
import type { Controller, ReconcileContext } from "./controller.ts";
import { Manager } from "./controller_manager.ts";
import { TerminalError } from "./errors.ts";
import type { EventRecorder } from "./events.ts";
import type { KubeObject, WatchEvent } from "./kube/object.ts";
import type { RestClient } from "./kube/rest.ts";
import { configMaps, pods, type Resource } from "./kube/resources.ts";
import type { Logger } from "./log.ts";
import type { ListResult, ListWatchSource } from "./watch_source.ts";

const lines: Array<{ msg: string; fields: Record<string, unknown> }> = [];
const logWith = (base: Record<string, unknown>): Logger => {
  const write = (msg: string, fields: Record<string, unknown> = {}) =>
    void lines.push({ msg, fields: { ...base, ...fields } });
  return {
    info: write,
    warn: write,
    error: write,
    debug() {},
    with: (f) => logWith({ ...base, ...f }),
  };
};
const events: EventRecorder = {
  record: () => Promise.resolve(),
  normal: () => Promise.resolve(),
  warning: () => Promise.resolve(),
};

/** A source whose list waits for `release()` and whose watch delivers `push`ed events. */
class FakeSource implements ListWatchSource<KubeObject> {
  #listed!: () => void;
  #gate = new Promise<void>((resolve) => this.#listed = resolve);
  #waiting: Array<(e: WatchEvent<KubeObject>) => void> = [];
  #buffer: WatchEvent<KubeObject>[] = [];
  constructor(readonly items: KubeObject[]) {}
  release = () => this.#listed();
  async list(): Promise<ListResult<KubeObject>> {
    await this.#gate;
    return { items: this.items, resourceVersion: "1" };
  }
  push(event: WatchEvent<KubeObject>) {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(event);
    else this.#buffer.push(event);
  }
  async *watch({ signal }: { signal: AbortSignal }) {
    while (!signal.aborted) {
      const next = this.#buffer.shift() ?? await new Promise<WatchEvent<KubeObject> | undefined>(
        (resolve) => {
          this.#waiting.push(resolve);
          signal.addEventListener("abort", () => resolve(undefined), { once: true });
        },
      );
      if (next) yield next;
    }
  }
}

const obj = (name: string, rv: string, owner?: string): KubeObject => ({
  metadata: {
    name,
    namespace: "ns",
    resourceVersion: rv,
    ownerReferences: owner
      ? [{ apiVersion: "v1", kind: "ConfigMap", name: owner, uid: "u", controller: true }]
      : [],
  },
});

function managerWith(
  controller: Controller,
  sources: Map<Resource, FakeSource>,
  clock = new FakeClock(),
) {
  return new Manager({
    rest: {
      observingWrites() {
        return this;
      },
    } as unknown as RestClient,
    controllers: [controller],
    events,
    log: logWith({}),
    queue: { backoff: { baseMs: 10, maxMs: 20, jitter: 0 }, clock },
    sourceFor: (resource) => sources.get(resource)!,
  });
}

/** One turn of the event loop: lets promise chains (lists, watches, workers) move on. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Turns the event loop until `probe` holds; fails after many turns, never waits on time. */
async function until(what: string, probe: () => boolean): Promise<void> {
  for (let turns = 0; !probe(); turns++) {
    if (turns > 1_000) throw new Error(`Never saw ${what}`);
    await turn();
  }
}

Deno.test("Manager starts workers only after every cache has synced, then reconciles every key", async () => {
  const cms = new FakeSource([obj("a", "1"), obj("b", "1")]);
  const owned = new FakeSource([]);
  const seen: string[] = [];
  const manager = managerWith({
    name: "test",
    for: configMaps,
    owns: [pods],
    reconcile: (key) => Promise.resolve(void seen.push(key)),
  }, new Map([[configMaps, cms], [pods, owned]]));
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  await until("the configmaps cache", () => manager.store(configMaps).hasSynced);
  await turn();
  assert.deepEqual(seen, [], "the pods cache has not synced yet");
  assert.equal(manager.isLeader, false);
  owned.release();
  await until("both keys", () => seen.length === 2);
  assert.deepEqual(seen.sort(), ["ns/a", "ns/b"]);
  owned.push({ type: "ADDED", object: obj("a-pod", "2", "a") });
  await until("the owner's key", () => seen.length === 3);
  assert.equal(seen[2], "ns/a");
  stop.abort();
  await run;
});

Deno.test("Manager starts a controller that starts before sync at once, and the others after the caches synced", async () => {
  const cms = new FakeSource([obj("a", "1")]);
  const seen: string[] = [];
  const manager = new Manager({
    rest: {
      observingWrites() {
        return this;
      },
    } as unknown as RestClient,
    controllers: [
      {
        name: "early",
        for: configMaps,
        keyOf: () => undefined,
        seedKeys: () => ["node"],
        startsBeforeSync: true,
        reconcile: (key) => Promise.resolve(void seen.push(`early ${key}`)),
      },
      {
        name: "late",
        for: configMaps,
        reconcile: (key) => Promise.resolve(void seen.push(`late ${key}`)),
      },
    ],
    events,
    log: logWith({}),
    sourceFor: () => cms,
  });
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  await until("the early seed key", () => seen.length === 1);
  await turn();
  assert.deepEqual(seen, ["early node"], "the configmaps cache has not synced yet");
  cms.release();
  await until("the late key", () => seen.length === 2);
  assert.deepEqual(seen, ["early node", "late ns/a"]);
  stop.abort();
  await run;
});

Deno.test("Manager calls reconcile for a deleted object with no object in the context", async () => {
  const cms = new FakeSource([obj("a", "1")]);
  const calls: Array<KubeObject | undefined> = [];
  const manager = managerWith({
    name: "test",
    for: configMaps,
    reconcile: (_key, ctx) => Promise.resolve(void calls.push(ctx.object)),
  }, new Map([[configMaps, cms]]));
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  await until("the first pass", () => calls.length === 1);
  cms.push({ type: "DELETED", object: obj("a", "2") });
  await until("the pass after the delete", () => calls.length === 2);
  assert.equal(calls[1], undefined);
  stop.abort();
  await run;
});

Deno.test("Manager retries thrown errors with backoff, not TerminalErrors, and honours requeueAfterMs", async () => {
  const clock = new FakeClock();
  const cms = new FakeSource([obj("flaky", "1"), obj("broken", "1"), obj("poll", "1")]);
  const counts: Record<string, number> = {};
  const manager = managerWith(
    {
      name: "test",
      for: configMaps,
      reconcile: (key, ctx: ReconcileContext) => {
        counts[ctx.name] = (counts[ctx.name] ?? 0) + 1;
        if (key === "ns/flaky" && counts.flaky! < 3) throw new Error("API hiccup");
        if (key === "ns/broken") throw new TerminalError("Bad spec: field x");
        return Promise.resolve(
          key === "ns/poll" && counts.poll! < 2 ? { requeueAfterMs: 20 } : undefined,
        );
      },
    },
    new Map([[configMaps, cms]]),
    clock,
  );
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  await until("the first passes", () => Object.keys(counts).length === 3);
  await manager.whenQuiet();
  assert.deepEqual(counts, { flaky: 1, broken: 1, poll: 1 });
  clock.advance(10); // flaky's first backoff
  await manager.whenQuiet();
  assert.deepEqual(counts, { flaky: 2, broken: 1, poll: 1 });
  clock.advance(10); // poll's 20 ms; flaky's second backoff is 20 ms, from 10 ms on
  await manager.whenQuiet();
  assert.deepEqual(counts, { flaky: 2, broken: 1, poll: 2 });
  clock.advance(10);
  await manager.whenQuiet();
  clock.advance(1_000);
  await manager.whenQuiet();
  assert.deepEqual(counts, { flaky: 3, broken: 1, poll: 2 });
  const retry = lines.find((l) => l.msg === "Reconcile failed; retrying");
  assert.equal(retry?.fields.controller, "test");
  assert.equal(retry?.fields.key, "ns/flaky");
  assert.ok(lines.some((l) => l.msg === "Reconcile failed; not retrying"));
  stop.abort();
  await run;
});

Deno.test("Manager runs a key again at once on requeue: now, at most three passes in a row", async () => {
  const cms = new FakeSource([obj("again", "1"), obj("other", "1")]);
  const order: string[] = [];
  const manager = new Manager({
    rest: {
      observingWrites() {
        return this;
      },
    } as unknown as RestClient,
    controllers: [{
      name: "test",
      for: configMaps,
      concurrency: 1,
      reconcile: (_key, ctx) => {
        order.push(ctx.name);
        const again = ctx.name === "again" && order.filter((n) => n === "again").length < 5;
        return Promise.resolve(again ? { requeue: "now" as const } : undefined);
      },
    }],
    events,
    log: logWith({}),
    queue: { clock: new FakeClock() },
    sourceFor: () => cms,
  });
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  await until("every pass", () => order.length === 6);
  await manager.whenQuiet();
  // Three passes back to back, then behind the key that was waiting, then the rest.
  assert.deepEqual(order, ["again", "again", "again", "other", "again", "again"]);
  stop.abort();
  await run;
});

Deno.test("Manager adds declared indexes before the caches fill and lends every cache to mappers", async () => {
  const cms = new FakeSource([obj("a", "1")]);
  const owned = new FakeSource([
    { metadata: { name: "p", namespace: "ns", resourceVersion: "1", labels: { app: "a" } } },
  ]);
  const seen: string[] = [];
  const byApp = (o: KubeObject) => o.metadata?.labels?.app ? [o.metadata.labels.app] : [];
  const manager = managerWith({
    name: "test",
    for: configMaps,
    indexes: [{ resource: pods, name: "byApp", index: byApp }],
    watches: [{
      resource: pods,
      // A pod maps to the configmap its label names, found through another cache.
      mapToKeys: (pod, cache) =>
        cache(configMaps).keys().filter((k) => k === `ns/${pod.metadata?.labels?.app}`),
    }],
    reconcile: (key, ctx) => {
      seen.push(`${key}:${ctx.cache(pods).byIndex("byApp", "a").length}`);
      return Promise.resolve();
    },
  }, new Map([[configMaps, cms], [pods, owned]]));
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  owned.release();
  await until("the first pass", () => seen.length === 1);
  assert.deepEqual(seen, ["ns/a:1"]);
  owned.push({
    type: "MODIFIED",
    object: {
      metadata: { name: "p", namespace: "ns", resourceVersion: "2", labels: { app: "a" } },
    },
  });
  await until("the pass the pod's change caused", () => seen.length === 2);
  stop.abort();
  await run;
});

/** A ChangeSource that is not the API server, as the agent's libvirt domains are. */
class FakeChanges implements ChangeSource {
  readonly name = "fake";
  readonly store = new Store<KubeObject>();
  #handlers = new Set<ChangeHandler<KubeObject>>();
  started = false;
  stopped = false;
  get hasSynced() {
    return this.store.hasSynced;
  }
  onChange(handler: ChangeHandler<KubeObject>) {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }
  start() {
    this.started = true;
  }
  synced() {
    this.store.replace([]);
    return Promise.resolve();
  }
  stop() {
    this.stopped = true;
    return Promise.resolve();
  }
  change(obj: KubeObject) {
    this.store.upsert(obj);
    for (const handler of this.#handlers) handler(undefined, obj);
  }
}

Deno.test("Manager starts, maps and stops a source of its own, and reconciles seed keys", async () => {
  const cms = new FakeSource([]);
  const domains = new FakeChanges();
  const seen: string[] = [];
  const manager = managerWith({
    name: "test",
    for: configMaps,
    watches: [{ source: domains, mapToKeys: (d) => [`ns/${d.metadata?.name}`] }],
    seedKeys: () => ["ns/seed"],
    reconcile: (key) => Promise.resolve(void seen.push(key)),
  }, new Map([[configMaps, cms]]));
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  await until("the seed key", () => seen.length === 1);
  assert.equal(domains.started, true);
  assert.deepEqual(seen, ["ns/seed"]);
  domains.change({ metadata: { name: "vm1" } });
  manager.enqueue("test", "ns/asked");
  await until("the mapped and the enqueued keys", () => seen.length === 3);
  assert.deepEqual(seen.slice(1).sort(), ["ns/asked", "ns/vm1"]);
  stop.abort();
  await run;
  assert.equal(domains.stopped, true);
});

Deno.test("Manager stop lets an in-flight reconcile finish", async () => {
  const cms = new FakeSource([obj("slow", "1")]);
  let finished = false;
  let started = false;
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  const manager = managerWith({
    name: "test",
    for: configMaps,
    reconcile: async () => {
      started = true;
      await held;
      finished = true;
    },
  }, new Map([[configMaps, cms]]));
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  await until("the reconcile to start", () => started);
  stop.abort();
  let ended = false;
  run.then(() => ended = true);
  await turn();
  assert.equal(ended, false, "the manager waits for the reconcile in flight");
  release();
  await run;
  assert.equal(finished, true);
});

Deno.test("Manager skips a pass whose cache predates the controller's own write, until the write's event arrives", async () => {
  const cms = new FakeSource([obj("a", "1")]);
  const owned = new FakeSource([]);
  const read: string[] = [];
  const written = (name: string, rv: string) => ({ ...obj(name, rv), data: { done: "yes" } });
  const rest = {
    observingWrites(observer: (resource: Resource, obj: KubeObject) => void) {
      return {
        patch: (resource: Resource, ref: { name: string }) => {
          const out = written(ref.name, "5");
          observer(resource, out);
          return Promise.resolve(out);
        },
      };
    },
  } as unknown as RestClient;
  const manager = new Manager({
    rest,
    controllers: [{
      name: "test",
      for: configMaps,
      owns: [pods],
      reconcile: async (key, ctx) => {
        read.push(ctx.object?.metadata?.resourceVersion ?? "gone");
        if (ctx.object?.metadata?.resourceVersion === "1") {
          await ctx.rest.patch(configMaps, { namespace: "ns", name: ctx.name }, {}, {
            type: "merge",
          });
        }
        void key;
      },
    }],
    events,
    log: logWith({}),
    queue: { clock: new FakeClock() },
    sourceFor: (resource) => resource === configMaps ? cms : owned,
  });
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  owned.release();
  await until("the first pass", () => read.length === 1);
  await manager.whenQuiet();
  // A pod event maps to the key while the cache still shows version 1: no pass on stale data.
  owned.push({ type: "ADDED", object: obj("a-pod", "3", "a") });
  await until("the pods cache", () => manager.store(pods).list().length === 1);
  await manager.whenQuiet();
  assert.deepEqual(read, ["1"]);
  // The write's own event: the next pass reads what it wrote.
  cms.push({ type: "MODIFIED", object: written("a", "5") });
  await until("the pass after the write", () => read.length === 2);
  assert.deepEqual(read, ["1", "5"]);
  // Later changes by anyone run as always.
  owned.push({ type: "MODIFIED", object: obj("a-pod", "6", "a") });
  await until("a later pass", () => read.length === 3);
  stop.abort();
  await run;
});
