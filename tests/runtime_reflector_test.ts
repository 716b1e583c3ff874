/** The Reflector and the Manager against a real API server. */
import assert from "node:assert/strict";
import type { Controller } from "../lib/controller.ts";
import { Manager } from "../lib/controller_manager.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { configMaps, events } from "../lib/kube/resources.ts";
import { logger } from "../lib/log.ts";
import { Reflector, restListWatch } from "../lib/watch.ts";
import type { ListWatchSource } from "../lib/watch_source.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
const log = logger({ test: "runtime_reflector" });

type ConfigMap = KubeObject & { data?: Record<string, string> };

Deno.test("Reflector sees ConfigMaps created, updated and deleted, and relists after 410 Gone", async () => {
  const rest = RestClient.fromKubeConfig(stack.admin);
  try {
    await withNamespace(stack.admin, "rt-refl", async (namespace) => {
      const before: KubeObject = await rest.create(configMaps, {
        metadata: { name: "before", namespace },
      });
      // Compact etcd up to now, so that a watch from an old resourceVersion gets 410 Gone for
      // certain, as after a long disconnect (the test stack serves ConfigMap watches from etcd).
      await compactEtcd(stack.ports.etcdClient, before.metadata!.resourceVersion!);
      const real = restListWatch<KubeObject>(rest, configMaps, { namespace });
      let watches = 0;
      // The first watch starts from the compacted resourceVersion 1.
      const source: ListWatchSource<KubeObject> = {
        list: (signal) => real.list(signal),
        watch: (opts) => real.watch(watches++ === 0 ? { ...opts, resourceVersion: "1" } : opts),
      };
      const reflector = new Reflector({ source, name: "configmaps", log });
      const changes: string[] = [];
      reflector.onChange((old, current) => {
        const name = (current ?? old)?.metadata?.name;
        if (name === "w") changes.push(!old ? "added" : !current ? "deleted" : "updated");
      });
      reflector.start();
      await reflector.synced();
      assert.ok(reflector.store.get(`${namespace}/before`));
      await eventually("a relist after 410", () => Promise.resolve(watches >= 2 || undefined));
      const ref = { namespace, name: "w" };
      await rest.create(configMaps, { metadata: ref, data: { v: "1" } });
      await eventually(
        "the new ConfigMap in the store",
        () => Promise.resolve(reflector.store.get(`${namespace}/w`)),
      );
      await rest.patch(configMaps, ref, { data: { v: "2" } }, { type: "merge" });
      await eventually(
        "the update in the store",
        () =>
          Promise.resolve(
            (reflector.store.get(`${namespace}/w`) as ConfigMap)?.data?.v === "2" || undefined,
          ),
      );
      await rest.delete(configMaps, ref);
      await eventually(
        "the delete in the store",
        () => Promise.resolve(reflector.store.get(`${namespace}/w`) ? undefined : true),
      );
      await reflector.stop();
      assert.deepEqual(changes, ["added", "updated", "deleted"]);
      assert.equal(reflector.store.get(`${namespace}/before`)?.kind, "ConfigMap");
      assert.equal(reflector.store.get(`${namespace}/before`)?.metadata?.managedFields, undefined);
    });
  } finally {
    rest.close();
  }
});

Deno.test("Manager reconciles ConfigMaps, records Events, and reconciles a deleted one", async () => {
  const rest = RestClient.fromKubeConfig(stack.admin);
  try {
    await withNamespace(stack.admin, "rt-mgr", async (namespace) => {
      const gone: string[] = [];
      const controller: Controller<ConfigMap> = {
        name: "echo",
        for: configMaps,
        async reconcile(key, ctx) {
          const cm = ctx.object;
          if (!cm) return void gone.push(key);
          if (cm.metadata?.name === "kube-root-ca.crt") return;
          const want = cm.data?.v ?? "";
          if (cm.metadata?.annotations?.["denovirt.io/echo"] === want) return;
          await ctx.rest.patch(configMaps, ctx, {
            metadata: { annotations: { "denovirt.io/echo": want } },
          }, { type: "merge" });
          await ctx.events.normal(cm, "Echoed", `Echoed v=${want}`);
        },
      };
      const manager = new Manager({
        rest,
        controllers: [controller],
        namespace,
        log,
        component: "rt-test",
      });
      const stop = new AbortController();
      const run = manager.run(stop.signal);
      const ref = { namespace, name: "e" };
      await rest.create(configMaps, { metadata: ref, data: { v: "1" } });
      const echoed = (v: string) => async () => {
        const cm = await rest.get<ConfigMap>(configMaps, ref);
        return cm.metadata?.annotations?.["denovirt.io/echo"] === v || undefined;
      };
      await eventually("the first echo", echoed("1"));
      await rest.patch(configMaps, ref, { data: { v: "2" } }, { type: "merge" });
      await eventually("the second echo", echoed("2"));
      // The Event follows the patch the echo waits for: it may land a moment later.
      const recorded = await eventually("an Event per echo", async () => {
        const list = await rest.list<
          KubeObject & { reason?: string; source?: { component?: string } }
        >(
          events,
          { namespace, fieldSelector: "involvedObject.name=e" },
        );
        return list.items.length >= 2 ? list : undefined;
      });
      assert.deepEqual(recorded.items.map((e) => e.reason).sort(), ["Echoed", "Echoed"]);
      assert.equal(recorded.items[0]?.source?.component, "rt-test");
      await rest.delete(configMaps, ref);
      await eventually(
        "a reconcile of the deleted key",
        () => Promise.resolve(gone.includes(`${namespace}/e`) || undefined),
      );
      await assert.rejects(rest.get(configMaps, ref), isNotFound);
      stop.abort();
      await run;
    });
  } finally {
    rest.close();
  }
});

/** Ask etcd (through its JSON gateway) to compact its history up to `revision`. */
async function compactEtcd(port: number, revision: string) {
  const response = await fetch(`http://127.0.0.1:${port}/v3/kv/compaction`, {
    method: "POST",
    body: JSON.stringify({ revision, physical: true }),
  });
  assert.ok(response.ok, `etcd compaction failed: ${response.status} ${await response.text()}`);
}
