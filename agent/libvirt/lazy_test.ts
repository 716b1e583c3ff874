import assert from "node:assert/strict";
import type { LibvirtConnection } from "./connection.ts";
import { LazyHypervisor } from "./lazy.ts";
import type { DomainLifecycleEvent } from "./types.ts";

/** A connection that answers list() and keeps the listeners it was given. */
function fakeConnection() {
  const lifecycle = new Set<(e: DomainLifecycleEvent) => void>();
  let closed = false;
  const connection = {
    list: () => Promise.resolve([]),
    onLifecycle(fn: (e: DomainLifecycleEvent) => void) {
      lifecycle.add(fn);
      return () => lifecycle.delete(fn);
    },
    onReconnect: () => () => {},
    close() {
      closed = true;
      return Promise.resolve();
    },
  } as unknown as LibvirtConnection;
  return { connection, lifecycle, closed: () => closed };
}

Deno.test("LazyHypervisor connects on first use, tries again after a failed connect, and attaches early listeners", async () => {
  const fake = fakeConnection();
  let opens = 0;
  const lazy = new LazyHypervisor("qemu:///test", {}, () => {
    opens++;
    return opens === 1
      ? Promise.reject(new Error("Cannot connect: libvirtd is not running"))
      : Promise.resolve(fake.connection);
  });
  const seen: string[] = [];
  const off = lazy.onLifecycle((e) => seen.push(e.domain));
  assert.equal(lazy.connected, false);
  assert.equal(opens, 0, "nothing happens before the first call");
  await assert.rejects(() => lazy.list(), /libvirtd is not running/);
  assert.deepEqual(await lazy.list(), []);
  assert.equal(opens, 2);
  assert.equal(lazy.connected, true);
  for (const fn of fake.lifecycle) fn({ domain: "ns_a" } as DomainLifecycleEvent);
  assert.deepEqual(seen, ["ns_a"]);
  off();
  assert.equal(fake.lifecycle.size, 0);
  await lazy.close();
  assert.ok(fake.closed());
  await assert.rejects(() => lazy.list(), /closed/);
});
