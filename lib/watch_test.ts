import assert from "node:assert/strict";
import { sleep } from "./backoff.ts";
import { ApiError } from "./kube/api_error.ts";
import type { KubeObject, WatchEvent } from "./kube/object.ts";
import type { Logger } from "./log.ts";
import { Reflector } from "./watch.ts";
import type { ListResult, ListWatchSource } from "./watch_source.ts";

const cm = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: "ns", resourceVersion: rv },
});

type Script = (signal: AbortSignal) => AsyncIterable<WatchEvent<KubeObject>>;

/** A scripted source: each list() and watch() call takes the next answer; the last one repeats. */
class FakeSource implements ListWatchSource<KubeObject> {
  lists: Array<ListResult<KubeObject> | Error> = [];
  scripts: Script[] = [];
  listCalls = 0;
  watchCalls: Array<{ rv: string; at: number }> = [];

  list(): Promise<ListResult<KubeObject>> {
    const answer = this.lists[Math.min(this.listCalls++, this.lists.length - 1)]!;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  watch(opts: { resourceVersion: string; signal: AbortSignal }) {
    this.watchCalls.push({ rv: opts.resourceVersion, at: Date.now() });
    const script = this.scripts[Math.min(this.watchCalls.length - 1, this.scripts.length - 1)]!;
    return script(opts.signal);
  }
}

/** Yields `events`, then stays open until aborted, as an idle watch does. */
const events = (...list: WatchEvent<KubeObject>[]): Script =>
  async function* (signal) {
    for (const event of list) yield event;
    if (!signal.aborted) {
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    }
  };
const failing = (error: Error): Script =>
  async function* () {
    yield* [];
    throw error;
  };

const silentLog: Logger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  with: () => silentLog,
};

function reflectorOf(
  source: FakeSource,
  opts: { quietTimeoutMs?: number; resyncMs?: number } = {},
) {
  const reflector = new Reflector({
    source,
    name: "configmaps",
    log: silentLog,
    backoff: { baseMs: 10, maxMs: 20 },
    ...opts,
  });
  const changes: Array<[string | undefined, string | undefined]> = [];
  reflector.onChange((old, current) =>
    changes.push([
      old && `${old.metadata?.name}@${old.metadata?.resourceVersion}`,
      current && `${current.metadata?.name}@${current.metadata?.resourceVersion}`,
    ])
  );
  return { reflector, changes };
}

async function until(what: string, probe: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(5);
  }
}

Deno.test("Reflector lists, then watches from the list's resourceVersion and applies events", async () => {
  const source = new FakeSource();
  source.lists = [{ items: [cm("a", "1")], resourceVersion: "10" }];
  source.scripts = [events(
    { type: "ADDED", object: cm("b", "11") },
    { type: "MODIFIED", object: cm("a", "12") },
    { type: "DELETED", object: cm("b", "13") },
    { type: "BOOKMARK", object: { metadata: { resourceVersion: "20" } } },
  )];
  const { reflector, changes } = reflectorOf(source);
  reflector.start();
  await reflector.synced();
  await until("the bookmark", () => reflector.resourceVersion === "20");
  await reflector.stop();
  assert.equal(source.watchCalls[0]?.rv, "10");
  assert.deepEqual(changes, [
    [undefined, "a@1"],
    [undefined, "b@11"],
    ["a@1", "a@12"],
    ["b@11", undefined],
  ]);
  assert.deepEqual(reflector.store.keys(), ["ns/a"]);
});

Deno.test("Reflector relists on a 410 ERROR event and notices deletions it missed", async () => {
  const source = new FakeSource();
  source.lists = [
    { items: [cm("a", "1"), cm("b", "1")], resourceVersion: "10" },
    { items: [cm("a", "1")], resourceVersion: "30" },
  ];
  source.scripts = [
    events({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } }),
    events(),
  ];
  const { reflector, changes } = reflectorOf(source);
  reflector.start();
  await until("the second watch", () => source.watchCalls.length === 2);
  await reflector.stop();
  assert.equal(source.listCalls, 2);
  assert.deepEqual(source.watchCalls.map((c) => c.rv), ["10", "30"]);
  assert.deepEqual(changes.slice(2), [["b@1", undefined]]);
});

Deno.test("Reflector relists when the watch request itself answers 410 Gone", async () => {
  const source = new FakeSource();
  source.lists = [{ items: [], resourceVersion: "10" }, { items: [], resourceVersion: "40" }];
  source.scripts = [failing(new ApiError("gone", 410, "Expired")), events()];
  const { reflector } = reflectorOf(source);
  reflector.start();
  await until("the second watch", () => source.watchCalls.length === 2);
  await reflector.stop();
  assert.deepEqual(source.watchCalls.map((c) => c.rv), ["10", "40"]);
});

Deno.test("Reflector reconnects from the same resourceVersion when the stream goes quiet", async () => {
  const source = new FakeSource();
  source.lists = [{ items: [], resourceVersion: "10" }];
  source.scripts = [events({ type: "ADDED", object: cm("a", "11") }), events()];
  const { reflector } = reflectorOf(source, { quietTimeoutMs: 50 });
  reflector.start();
  await until("a reconnect", () => source.watchCalls.length >= 2);
  await reflector.stop();
  assert.equal(source.listCalls, 1);
  assert.deepEqual(source.watchCalls.slice(0, 2).map((c) => c.rv), ["10", "11"]);
});

Deno.test("Reflector waits as long as a 429's Retry-After asks", async () => {
  const source = new FakeSource();
  source.lists = [{ items: [], resourceVersion: "10" }];
  source.scripts = [failing(new ApiError("slow down", 429, "TooManyRequests", 1)), events()];
  const { reflector } = reflectorOf(source);
  reflector.start();
  await until("the retried watch", () => source.watchCalls.length === 2);
  await reflector.stop();
  const waited = source.watchCalls[1]!.at - source.watchCalls[0]!.at;
  assert.ok(waited >= 990, `waited only ${waited} ms`);
});

Deno.test("Reflector backs off and retries the list after other errors", async () => {
  const source = new FakeSource();
  source.lists = [new Error("connection refused"), {
    items: [cm("a", "1")],
    resourceVersion: "10",
  }];
  source.scripts = [events()];
  const { reflector } = reflectorOf(source);
  reflector.start();
  await reflector.synced();
  await reflector.stop();
  assert.equal(source.listCalls, 2);
  assert.equal(reflector.hasSynced, true);
});

Deno.test("Reflector relists periodically even while the watch is idle", async () => {
  const source = new FakeSource();
  source.lists = [
    { items: [cm("a", "1")], resourceVersion: "10" },
    { items: [cm("a", "2")], resourceVersion: "20" },
  ];
  source.scripts = [events()];
  const { reflector, changes } = reflectorOf(source, { resyncMs: 80 });
  reflector.start();
  await until("a periodic relist", () => source.listCalls >= 2);
  await reflector.stop();
  assert.deepEqual(changes.slice(0, 2), [[undefined, "a@1"], ["a@1", "a@2"]]);
});

Deno.test("Reflector stores objects without managedFields", async () => {
  const source = new FakeSource();
  const big = {
    metadata: { name: "a", namespace: "ns", resourceVersion: "1", managedFields: [{}] },
  };
  source.lists = [{ items: [big], resourceVersion: "10" }];
  source.scripts = [events()];
  const { reflector } = reflectorOf(source);
  reflector.start();
  await reflector.synced();
  await reflector.stop();
  assert.equal(reflector.store.get("ns/a")?.metadata?.managedFields, undefined);
});
