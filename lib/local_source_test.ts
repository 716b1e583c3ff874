import assert from "node:assert/strict";
import { LocalSource } from "./local_source.ts";
import type { KubeObject } from "./kube/object.ts";

Deno.test("LocalSource is synced at once and tells subscribers of each set and delete", async () => {
  const source = new LocalSource<KubeObject>("notices");
  assert.ok(source.hasSynced && source.store.hasSynced);
  await source.synced();
  const seen: string[] = [];
  const stop = source.onChange((old, current) =>
    seen.push(`${old?.metadata?.name ?? "-"}>${current?.metadata?.name ?? "-"}`)
  );
  source.set({ metadata: { namespace: "ns", name: "a" } });
  source.set({ metadata: { namespace: "ns", name: "a" } });
  source.set({ metadata: { namespace: "ns", name: "b", uid: "u-b" } });
  source.deleteWhere((o) => o.metadata?.uid === "u-b");
  source.delete("ns/missing");
  stop();
  source.delete("ns/a");
  assert.deepEqual(seen, ["->a", "a>a", "->b", "b>-"]);
  assert.deepEqual(source.store.keys(), []);
});
