import assert from "node:assert/strict";
import { sleep } from "./backoff.ts";
import { ApiError } from "./kube/api_error.ts";
import { type LeaderElectionOptions, LeaderElector } from "./leader.ts";
import { type Lease, type LeaseStore, microTime } from "./leader_lease.ts";
import type { Logger } from "./log.ts";

const log: Logger = { info() {}, warn() {}, error() {}, debug() {}, with: () => log };

/** One Lease in memory with resourceVersion checks, like the API server's. */
class MemoryLeaseStore implements LeaseStore {
  lease: Lease | undefined;
  broken = false;
  #rv = 0;
  get(): Promise<Lease | undefined> {
    if (this.broken) return Promise.reject(new Error("connection refused"));
    return Promise.resolve(structuredClone(this.lease));
  }
  create(lease: Lease): Promise<Lease | undefined> {
    if (this.lease) return Promise.resolve(undefined);
    this.lease = { ...structuredClone(lease), metadata: { resourceVersion: String(++this.#rv) } };
    return Promise.resolve(structuredClone(this.lease));
  }
  update(lease: Lease): Promise<Lease> {
    if (this.broken) return Promise.reject(new Error("connection refused"));
    if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) {
      return Promise.reject(new ApiError("conflict", 409, "Conflict"));
    }
    this.lease = { ...structuredClone(lease), metadata: { resourceVersion: String(++this.#rv) } };
    return Promise.resolve(structuredClone(this.lease));
  }
}

const fast = (store: LeaseStore, identity: string, more: Partial<LeaderElectionOptions> = {}) =>
  new LeaderElector({
    store,
    identity,
    leaseDurationSeconds: 1,
    renewIntervalMs: 100,
    renewDeadlineMs: 300,
    retryPeriodMs: 50,
    log,
    ...more,
  });

Deno.test("LeaderElector creates the Lease, and a second candidate is held off while it is renewed", async () => {
  const store = new MemoryLeaseStore();
  let now = 1_000_000;
  const a = fast(store, "a", { now: () => now });
  const b = fast(store, "b", { now: () => now });
  assert.equal(await a.tryAcquireOrRenew(), "leading");
  assert.equal(store.lease?.spec?.holderIdentity, "a");
  assert.equal(store.lease?.spec?.renewTime, microTime(now));
  assert.match(store.lease?.spec?.renewTime ?? "", /\.\d{6}Z$/);
  assert.equal(await b.tryAcquireOrRenew(), "held");
  now += 500;
  assert.equal(await a.tryAcquireOrRenew(), "leading");
  now += 900;
  assert.equal(await b.tryAcquireOrRenew(), "held", "b saw a renewal 900 ms ago");
  assert.equal(store.lease?.spec?.acquireTime, microTime(1_000_000), "renewals keep acquireTime");
});

Deno.test("LeaderElector takes over a Lease not renewed for its duration and counts the transition", async () => {
  const store = new MemoryLeaseStore();
  let now = 1_000_000;
  const a = fast(store, "a", { now: () => now });
  const b = fast(store, "b", { now: () => now });
  await a.tryAcquireOrRenew();
  assert.equal(await b.tryAcquireOrRenew(), "held");
  now += 1_001;
  assert.equal(await b.tryAcquireOrRenew(), "leading");
  assert.equal(store.lease?.spec?.holderIdentity, "b");
  assert.equal(store.lease?.spec?.leaseTransitions, 1);
  assert.equal(await a.tryAcquireOrRenew(), "held");
});

Deno.test("LeaderElector loses a resourceVersion race instead of overwriting", async () => {
  const store = new MemoryLeaseStore();
  const a = fast(store, "a");
  const b = fast(store, "b");
  store.lease = { metadata: { resourceVersion: "0" }, spec: { holderIdentity: "" } };
  const update = store.update.bind(store);
  // b writes between a's read and a's write.
  store.update = async (lease) => {
    store.update = update;
    await b.tryAcquireOrRenew();
    return update(lease);
  };
  assert.equal(await a.tryAcquireOrRenew(), "failed");
  assert.equal(store.lease?.spec?.holderIdentity, "b");
});

Deno.test("LeaderElector releases on stop so that the other replica takes over at once", async () => {
  const store = new MemoryLeaseStore();
  const a = fast(store, "a", { leaseDurationSeconds: 3 });
  const b = fast(store, "b", { leaseDurationSeconds: 3, retryPeriodMs: 20 });
  const stopA = new AbortController();
  const stopB = new AbortController();
  const order: string[] = [];
  const runA = a.run(stopA.signal, {
    onStartedLeading: () => order.push("a leads"),
    onStoppedLeading: async () => {
      await sleep(20); // in-flight work finishing
      order.push("a stopped");
    },
  });
  await sleep(30);
  const runB = b.run(stopB.signal, { onStartedLeading: () => order.push("b leads") });
  await sleep(250);
  assert.equal(a.isLeader, true);
  assert.equal(b.isLeader, false);
  stopA.abort();
  await runA;
  assert.equal(store.lease?.spec?.holderIdentity, null);
  assert.equal(store.lease?.spec?.leaseDurationSeconds, 1);
  const released = Date.now();
  while (!b.isLeader && Date.now() - released < 2_000) await sleep(5);
  assert.ok(Date.now() - released < 1_500, "b took over well before the 3 s lease would expire");
  assert.deepEqual(order, ["a leads", "a stopped", "b leads"]);
  stopB.abort();
  await runB;
});

Deno.test("LeaderElector stops leading when renewals fail past the renew deadline", async () => {
  const store = new MemoryLeaseStore();
  const a = fast(store, "a");
  const stop = new AbortController();
  let leading: AbortSignal | undefined;
  const run = a.run(stop.signal, { onStartedLeading: (signal) => leading = signal });
  await sleep(50);
  assert.equal(a.isLeader, true);
  store.broken = true;
  const broke = Date.now();
  while (a.isLeader && Date.now() - broke < 2_000) await sleep(5);
  const lostAfter = Date.now() - broke;
  // Measured from the break, not from the last renewal (which came earlier), so only the upper
  // bound is exact: leadership must be gone well within the lease.
  assert.ok(lostAfter < 2_000, `still leading ${lostAfter} ms after renewals began to fail`);
  assert.equal(leading?.aborted, true);
  store.broken = false;
  while (!a.isLeader && Date.now() - broke < 3_000) await sleep(5);
  assert.equal(a.isLeader, true, "campaigns again once the API server answers");
  stop.abort();
  await run;
});
