import assert from "node:assert/strict";
import { sleep } from "./backoff.ts";
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

function managerWith(controller: Controller, sources: Map<Resource, FakeSource>) {
  return new Manager({
    rest: {} as RestClient,
    controllers: [controller],
    events,
    log: logWith({}),
    queue: { backoff: { baseMs: 10, maxMs: 20 } },
    sourceFor: (resource) => sources.get(resource)!,
  });
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(5);
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
  await sleep(30);
  assert.deepEqual(seen, [], "the pods cache has not synced yet");
  owned.release();
  await until("both keys", () => seen.length === 2);
  assert.deepEqual(seen.sort(), ["ns/a", "ns/b"]);
  owned.push({ type: "ADDED", object: obj("a-pod", "2", "a") });
  await until("the owner's key", () => seen.length === 3);
  assert.equal(seen[2], "ns/a");
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
  const cms = new FakeSource([obj("flaky", "1"), obj("broken", "1"), obj("poll", "1")]);
  const counts: Record<string, number> = {};
  const manager = managerWith({
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
  }, new Map([[configMaps, cms]]));
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  await until("three passes of flaky", () => counts.flaky === 3 && counts.poll === 2);
  await sleep(50);
  assert.deepEqual(counts, { flaky: 3, broken: 1, poll: 2 });
  const retry = lines.find((l) => l.msg === "Reconcile failed; retrying");
  assert.equal(retry?.fields.controller, "test");
  assert.equal(retry?.fields.key, "ns/flaky");
  assert.ok(lines.some((l) => l.msg === "Reconcile failed; not retrying"));
  stop.abort();
  await run;
});

Deno.test("Manager stop lets an in-flight reconcile finish", async () => {
  const cms = new FakeSource([obj("slow", "1")]);
  let finished = false;
  let started = false;
  const manager = managerWith({
    name: "test",
    for: configMaps,
    reconcile: async () => {
      started = true;
      await sleep(100);
      finished = true;
    },
  }, new Map([[configMaps, cms]]));
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  cms.release();
  await until("the reconcile to start", () => started);
  stop.abort();
  await run;
  assert.equal(finished, true);
});
