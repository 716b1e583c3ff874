import assert from "node:assert/strict";
import { Store } from "./cache.ts";
import type { KubeObject } from "./kube/object.ts";

type Pod = KubeObject & { spec?: { nodeName?: string }; status?: { nodeName?: string } };

const pod = (name: string, rv: string, extra: Partial<Pod> = {}, owner?: string): Pod => ({
  metadata: {
    name,
    namespace: "ns",
    resourceVersion: rv,
    ownerReferences: owner ? [{ apiVersion: "v1", kind: "X", name: "o", uid: owner }] : [],
  },
  ...extra,
});
const names = (objs: KubeObject[]) => objs.map((o) => o.metadata?.name).sort();

Deno.test("Store keys objects by namespace/name and cluster-scoped ones by name", () => {
  const store = new Store();
  store.upsert(pod("a", "1"));
  store.upsert({ metadata: { name: "node-1" } });
  assert.deepEqual(store.keys().sort(), ["node-1", "ns/a"]);
  assert.equal(store.get("ns/a")?.metadata?.resourceVersion, "1");
});

Deno.test("Store byOwner and byNode indexes follow updates and deletes", () => {
  const store = new Store<Pod>();
  store.upsert(pod("a", "1", { spec: { nodeName: "n1" } }, "uid-1"));
  store.upsert(pod("b", "1", { status: { nodeName: "n2" } }, "uid-1"));
  store.upsert(pod("c", "1"));
  assert.deepEqual(names(store.byIndex("byOwner", "uid-1")), ["a", "b"]);
  assert.deepEqual(names(store.byIndex("byNode", "n1")), ["a"]);
  store.upsert(pod("a", "2", { spec: { nodeName: "n2" } }));
  assert.deepEqual(names(store.byIndex("byOwner", "uid-1")), ["b"]);
  assert.deepEqual(names(store.byIndex("byNode", "n1")), []);
  assert.deepEqual(names(store.byIndex("byNode", "n2")), ["a", "b"]);
  store.delete("ns/b");
  assert.deepEqual(names(store.byIndex("byNode", "n2")), ["a"]);
  assert.deepEqual(names(store.byIndex("byNamespace", "ns")), ["a", "c"]);
});

Deno.test("Store custom indexers index existing objects when added late", () => {
  const store = new Store();
  store.upsert({ metadata: { name: "a", namespace: "ns", labels: { app: "web" } } });
  store.addIndexer("byApp", (o) => o.metadata?.labels?.app ? [o.metadata.labels.app] : []);
  assert.deepEqual(names(store.byIndex("byApp", "web")), ["a"]);
  assert.throws(() => store.byIndex("nope", "x"), /no such index/);
});

Deno.test("Store replace() reports additions, changes and missed deletions and marks synced", () => {
  const store = new Store();
  assert.equal(store.hasSynced, false);
  store.replace([pod("a", "1"), pod("b", "1")]);
  assert.equal(store.hasSynced, true);
  const diff = store.replace([pod("a", "1"), pod("c", "1"), pod("b", "2")]);
  assert.deepEqual(names(diff.added), ["c"]);
  assert.deepEqual(
    diff.updated.map((u) => [u.old.metadata?.resourceVersion, u.new.metadata?.resourceVersion]),
    [["1", "2"]],
  );
  assert.deepEqual(diff.deleted, []);
  const gone = store.replace([pod("c", "1")]);
  assert.deepEqual(names(gone.deleted), ["a", "b"]);
  assert.equal(store.size, 1);
});
