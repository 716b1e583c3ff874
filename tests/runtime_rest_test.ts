/** The lean REST client against a real API server: CRUD, the four patch types, status, watch. */
import assert from "node:assert/strict";
import { isAlreadyExists, isConflict, isNotFound } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { configMaps, pods } from "../lib/kube/resources.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();

type ConfigMap = KubeObject & { data?: Record<string, string> };
type Pod = KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } };

Deno.test("RestClient creates, reads, lists in pages, updates and deletes ConfigMaps", async () => {
  const rest = RestClient.fromKubeConfig(stack.admin);
  try {
    await withNamespace(stack.admin, "rt-rest", async (namespace) => {
      for (const name of ["a", "b", "c"]) {
        await rest.create<ConfigMap>(configMaps, {
          metadata: { name, namespace, labels: { app: name === "c" ? "other" : "web" } },
          data: { x: "1" },
        });
      }
      await assert.rejects(
        rest.create(configMaps, { metadata: { name: "a", namespace } }),
        isAlreadyExists,
      );
      const a = await rest.get<ConfigMap>(configMaps, { namespace, name: "a" });
      assert.equal(a.data?.x, "1");

      const first = await rest.list(configMaps, { namespace, labelSelector: "app=web", limit: 1 });
      assert.equal(first.items.length, 1);
      assert.ok(first.metadata.continue);
      const second = await rest.list(configMaps, {
        namespace,
        labelSelector: "app=web",
        limit: 1,
        continue: first.metadata.continue,
      });
      assert.deepEqual([...first.items, ...second.items].map((o) => o.metadata?.name).sort(), [
        "a",
        "b",
      ]);
      const byField = await rest.list(configMaps, { namespace, fieldSelector: "metadata.name=c" });
      assert.deepEqual(byField.items.map((o) => o.metadata?.name), ["c"]);

      const updated = await rest.update<ConfigMap>(configMaps, { ...a, data: { x: "2" } });
      assert.equal(updated.data?.x, "2");
      await assert.rejects(rest.update(configMaps, { ...a, data: { x: "3" } }), isConflict);

      await assert.rejects(
        rest.delete(configMaps, { namespace, name: "a" }, {
          preconditions: { uid: "not-the-uid" },
        }),
        isConflict,
      );
      await rest.delete(configMaps, { namespace, name: "a" }, {
        preconditions: { uid: a.metadata?.uid },
        propagationPolicy: "Background",
      });
      await assert.rejects(rest.get(configMaps, { namespace, name: "a" }), isNotFound);
    });
  } finally {
    rest.close();
  }
});

Deno.test("RestClient patches with merge, JSON Patch, strategic merge and server-side apply", async () => {
  const rest = RestClient.fromKubeConfig(stack.admin);
  try {
    await withNamespace(stack.admin, "rt-patch", async (namespace) => {
      const ref = { namespace, name: "p" };
      await rest.create(configMaps, { metadata: ref, data: { a: "1" } });
      await rest.patch(configMaps, ref, { data: { b: "2" } }, { type: "merge" });
      await rest.patch(configMaps, ref, [{ op: "add", path: "/data/c", value: "3" }], {
        type: "json",
      });
      await rest.patch(configMaps, ref, { metadata: { labels: { s: "1" } } }, {
        type: "strategic",
      });
      const applied = await rest.patch<ConfigMap>(configMaps, ref, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: ref,
        data: { a: "applied" },
      }, { type: "apply", fieldManager: "runtime-test", force: true });
      assert.deepEqual(applied.data, { a: "applied", b: "2", c: "3" });
      assert.equal(applied.metadata?.labels?.s, "1");
    });
  } finally {
    rest.close();
  }
});

Deno.test("RestClient updateStatus() writes the status subresource of a Pod", async () => {
  const rest = RestClient.fromKubeConfig(stack.admin);
  try {
    await withNamespace(stack.admin, "rt-status", async (namespace) => {
      // The ServiceAccount admission plugin refuses pods until the default account exists.
      await eventually("the pod to be admitted", () =>
        rest.create<Pod>(pods, {
          metadata: { name: "p", namespace },
          spec: { containers: [{ name: "c", image: "none" }], automountServiceAccountToken: false },
        } as Pod));
      const condition = { type: "denovirt.io/Tested", status: "True" };
      // The scheduler writes the pod's status too: read, modify, write until no conflict.
      await eventually("the status update", async () => {
        const pod = await rest.get<Pod>(pods, { namespace, name: "p" });
        const conditions = [...(pod.status?.conditions ?? []), condition];
        return await rest.updateStatus<Pod>(pods, {
          ...pod,
          status: { ...pod.status, conditions },
        });
      });
      const read = await rest.get<Pod>(pods, { namespace, name: "p" });
      assert.ok(read.status?.conditions?.some((c) => c.type === condition.type));
      await rest.delete(pods, { namespace, name: "p" }, { gracePeriodSeconds: 0 });
    });
  } finally {
    rest.close();
  }
});

Deno.test("RestClient watch() streams ADDED, MODIFIED and DELETED from a resourceVersion", async () => {
  const rest = RestClient.fromKubeConfig(stack.admin);
  try {
    await withNamespace(stack.admin, "rt-watch", async (namespace) => {
      const list = await rest.list(configMaps, { namespace });
      const stop = new AbortController();
      const seen: string[] = [];
      const watching = (async () => {
        const events = rest.watch<ConfigMap>(configMaps, {
          namespace,
          resourceVersion: list.metadata.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 60,
          signal: stop.signal,
        });
        for await (const event of events) {
          if (
            event.type !== "BOOKMARK" && event.type !== "ERROR" &&
            event.object.metadata?.name === "w"
          ) {
            seen.push(event.type);
          }
          if (event.type === "DELETED") break;
        }
      })();
      const ref = { namespace, name: "w" };
      await rest.create(configMaps, { metadata: ref, data: { v: "1" } });
      await rest.patch(configMaps, ref, { data: { v: "2" } }, { type: "merge" });
      await rest.delete(configMaps, ref);
      await Promise.race([
        watching,
        new Promise((_, reject) => setTimeout(() => reject(new Error("watch timed out")), 20_000)),
      ]);
      stop.abort();
      assert.deepEqual(seen, ["ADDED", "MODIFIED", "DELETED"]);
    });
  } finally {
    rest.close();
  }
});
