/** Leader election between two Managers on a real Lease. */
import assert from "node:assert/strict";
import type { Controller } from "../lib/controller.ts";
import { Manager } from "../lib/controller_manager.ts";
import type { Lease } from "../lib/leader.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { transportFrom } from "../lib/kube/transport.ts";
import { configMaps, leases } from "../lib/kube/resources.ts";
import { logger } from "../lib/log.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();

Deno.test("Two Managers: one leads and reconciles; when it stops the other takes over at once", async () => {
  const rest = RestClient.fromKubeConfig(stack.admin);
  try {
    await withNamespace(stack.admin, "rt-lead", async (namespace) => {
      const reconciledBy = new Map<string, Set<string>>();
      const controllerOf = (identity: string): Controller => ({
        name: "count",
        for: configMaps,
        reconcile(key) {
          if (!reconciledBy.has(key)) reconciledBy.set(key, new Set());
          reconciledBy.get(key)!.add(identity);
          return Promise.resolve();
        },
      });
      const managerOf = (identity: string) =>
        new Manager({
          rest,
          namespace,
          controllers: [controllerOf(identity)],
          log: logger({ test: "runtime_leader", identity }),
          leaderElection: {
            namespace,
            name: "rt-leader",
            identity,
            leaseDurationSeconds: 4,
            retryPeriodMs: 200,
          },
        });
      const [a, b] = [managerOf("a"), managerOf("b")];
      const [stopA, stopB] = [new AbortController(), new AbortController()];
      const runA = a.run(stopA.signal);
      await eventually("a to lead", () => Promise.resolve(a.isLeader || undefined));
      const runB = b.run(stopB.signal);
      await rest.create(configMaps, { metadata: { name: "one", namespace } });
      await eventually(
        "a reconcile of one",
        () => Promise.resolve(reconciledBy.get(`${namespace}/one`)),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.deepEqual(
        [...reconciledBy.get(`${namespace}/one`)!],
        ["a"],
        "only the leader reconciles",
      );
      assert.equal(b.isLeader, false);

      const lease = await rest.get<Lease>(leases, { namespace, name: "rt-leader" });
      assert.equal(lease.spec?.holderIdentity, "a");
      assert.equal(lease.spec?.leaseDurationSeconds, 4);
      assert.match(lease.spec?.renewTime ?? "", /\.\d{6}Z$/);

      stopA.abort();
      await runA;
      const stoppedAt = Date.now();
      await eventually("b to lead", () => Promise.resolve(b.isLeader || undefined));
      const took = Date.now() - stoppedAt;
      assert.ok(took < 4_000, `b took ${took} ms to take over`);
      await eventually(
        "b to reconcile one",
        () => Promise.resolve(reconciledBy.get(`${namespace}/one`)!.has("b") || undefined),
      );
      const after = await rest.get<Lease>(leases, { namespace, name: "rt-leader" });
      assert.equal(after.spec?.holderIdentity, "b");
      assert.equal(after.spec?.leaseTransitions, 1);
      stopB.abort();
      await runB;
      const released = await rest.get<Lease & KubeObject>(leases, { namespace, name: "rt-leader" });
      assert.equal(released.spec?.holderIdentity, undefined);
    });
  } finally {
    rest.close();
  }
});

Deno.test("A leader cut off from the API server stops leading; the other takes over after the lease", async () => {
  const rest = RestClient.fromKubeConfig(stack.admin);
  const real = transportFrom(stack.admin);
  let cutOff = false;
  // Manager a's connection can be cut, as a network partition or a frozen process would.
  const partitioned = new RestClient({
    get server() {
      return cutOff ? "https://127.0.0.1:1" : real.server;
    },
    client: real.client,
    authHeaders: real.authHeaders,
    close: real.close,
  });
  try {
    await withNamespace(stack.admin, "rt-lead2", async (namespace) => {
      const managerOf = (identity: string, client: RestClient) =>
        new Manager({
          rest: client,
          namespace,
          controllers: [{ name: "noop", for: configMaps, reconcile: () => Promise.resolve() }],
          log: logger({ test: "runtime_leader", identity }),
          reflector: { backoff: { baseMs: 200, maxMs: 1_000 } },
          leaderElection: {
            namespace,
            name: "rt-leader",
            identity,
            leaseDurationSeconds: 3,
            retryPeriodMs: 200,
          },
        });
      const [a, b] = [managerOf("a", partitioned), managerOf("b", rest)];
      const [stopA, stopB] = [new AbortController(), new AbortController()];
      const runA = a.run(stopA.signal);
      await eventually("a to lead", () => Promise.resolve(a.isLeader || undefined));
      const runB = b.run(stopB.signal);
      await eventually("b to sync", () => Promise.resolve(b.hasSynced || undefined));
      cutOff = true;
      const cutAt = Date.now();
      await eventually("a to stop leading", () => Promise.resolve(!a.isLeader || undefined));
      const aStopped = Date.now() - cutAt;
      await eventually("b to lead", () => Promise.resolve(b.isLeader || undefined), 15_000);
      const bLeads = Date.now() - cutAt;
      // a gives up at the renew deadline (2 s), before b may take over (3 s after a's last renewal).
      assert.ok(aStopped < bLeads, `a stopped after ${aStopped} ms, b led after ${bLeads} ms`);
      assert.ok(bLeads >= 2_000 && bLeads < 6_000, `b led after ${bLeads} ms`);
      stopA.abort();
      stopB.abort();
      await Promise.all([runA, runB]);
    });
  } finally {
    rest.close();
    partitioned.close();
  }
});
