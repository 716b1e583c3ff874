import assert from "node:assert/strict";
import type { WatchEvent } from "../../lib/kube/object.ts";
import { DomainNotFoundError } from "./errors.ts";
import type { DomainLifecycleEvent, DomainStatus, Hypervisor } from "./types.ts";
import { type DomainObject, libvirtListWatch } from "./watch.ts";

/** The calls the watch source makes, over a map of domains the test edits. */
function fakeHypervisor() {
  const domains = new Map<string, { uuid: string; status: DomainStatus }>();
  const lifecycle = new Set<(e: DomainLifecycleEvent) => void>();
  const reconnect = new Set<() => void>();
  const hypervisor = {
    list: () =>
      Promise.resolve([...domains].map(([name, d]) => ({ name, uuid: d.uuid, ...d.status }))),
    state(name: string) {
      const domain = domains.get(name);
      if (!domain) {
        return Promise.reject(
          new DomainNotFoundError(`Cannot read ${name}`, 42, 10, "Domain not found"),
        );
      }
      return Promise.resolve(domain.status);
    },
    onLifecycle(fn: (e: DomainLifecycleEvent) => void) {
      lifecycle.add(fn);
      return () => lifecycle.delete(fn);
    },
    onReconnect(fn: () => void) {
      reconnect.add(fn);
      return () => reconnect.delete(fn);
    },
  } as unknown as Hypervisor;
  const status = (state: DomainStatus["state"], reasonName: string) => ({
    state,
    reason: 0,
    reasonName,
  });
  return {
    hypervisor,
    set(name: string, state: DomainStatus["state"], reason: string) {
      domains.set(name, { uuid: `uuid-${name}`, status: status(state, reason) });
    },
    remove: (name: string) => domains.delete(name),
    event(name: string) {
      const e = { domain: name, uuid: `uuid-${name}`, event: "started", detail: 0, detailName: "" };
      for (const fn of lifecycle) fn(e as DomainLifecycleEvent);
    },
    agentEvent(name: string, detailName: "connected" | "disconnected") {
      const e = {
        domain: name,
        uuid: `uuid-${name}`,
        event: "AgentLifecycle",
        detail: 0,
        detailName,
      };
      for (const fn of lifecycle) fn(e as DomainLifecycleEvent);
    },
    reconnected: () => reconnect.forEach((fn) => fn()),
    listeners: () => lifecycle.size + reconnect.size,
  };
}

Deno.test("libvirtListWatch() lists domains and turns lifecycle events into changes", async () => {
  const fake = fakeHypervisor();
  fake.set("ns_a", "running", "booted");
  const source = libvirtListWatch(fake.hypervisor);
  // An event before the list is already in the list: it is not replayed.
  fake.event("ns_a");
  const listed = await source.list(new AbortController().signal);
  assert.deepEqual(listed.items.map((d) => [d.metadata.name, d.state, d.reason]), [
    ["ns_a", "running", "booted"],
  ]);
  const stop = new AbortController();
  const events = source.watch({
    resourceVersion: listed.resourceVersion,
    timeoutSeconds: 60,
    signal: stop.signal,
  })[
    Symbol.asyncIterator
  ]();
  fake.set("ns_a", "shutoff", "shutdown");
  fake.event("ns_a");
  fake.event("ns_a"); // Two events of one domain before the watch reads them: one change.
  fake.set("ns_b", "shutoff", "unknown");
  fake.event("ns_b");
  const changes: WatchEvent<DomainObject>[] = [];
  for (let i = 0; i < 2; i++) changes.push((await events.next()).value);
  assert.deepEqual(
    changes.map((
      c,
    ) => [
      c.type,
      c.type !== "ERROR" && c.object.metadata.name,
      c.type !== "ERROR" && c.object.state,
    ]),
    [
      ["MODIFIED", "ns_a", "shutoff"],
      ["MODIFIED", "ns_b", "shutoff"],
    ],
  );
  const a = changes[0]!;
  assert.ok(a.type !== "ERROR");
  assert.equal(a.object.metadata.resourceVersion, "uuid-ns_a/shutoff/shutdown");
  fake.remove("ns_b");
  fake.event("ns_b");
  const gone = (await events.next()).value as WatchEvent<DomainObject>;
  assert.equal(gone.type, "DELETED");
  // After libvirt came back, the watch ends as the API server ends one that must relist.
  fake.reconnected();
  const relist = (await events.next()).value as WatchEvent<DomainObject>;
  assert.equal(relist.type, "ERROR");
  assert.equal(relist.type === "ERROR" && relist.object.code, 410);
  assert.equal((await events.next()).done, true);
  stop.abort();
  source.close();
  assert.equal(fake.listeners(), 0);
});

Deno.test("libvirtListWatch() turns a guest agent's connect into a change of the domain's version", async () => {
  const fake = fakeHypervisor();
  fake.set("ns_a", "running", "booted");
  const source = libvirtListWatch(fake.hypervisor);
  const listed = await source.list(new AbortController().signal);
  assert.equal(listed.items[0]?.metadata.resourceVersion, "uuid-ns_a/running/booted");
  const stop = new AbortController();
  const events = source.watch({
    resourceVersion: listed.resourceVersion,
    timeoutSeconds: 60,
    signal: stop.signal,
  })[Symbol.asyncIterator]();
  fake.agentEvent("ns_a", "connected");
  const change = (await events.next()).value as WatchEvent<DomainObject>;
  assert.ok(change.type === "MODIFIED");
  assert.equal(change.object.metadata.resourceVersion, "uuid-ns_a/running/booted/connected");
  assert.equal(change.object.agent, "connected");
  // A relist keeps what the agent said: no change to report for it.
  const again = await source.list(new AbortController().signal);
  assert.equal(again.items[0]?.metadata.resourceVersion, "uuid-ns_a/running/booted/connected");
  stop.abort();
  source.close();
});
