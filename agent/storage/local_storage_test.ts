/** LocalStorage over an in-memory API server: provisioning, capacity, imports, claims, deletion. */
import assert from "node:assert/strict";
import type { PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import {
  ANN_ENDPOINT,
  ANN_NODE_STORAGE_ALLOCATED,
  ANN_NODE_STORAGE_CAPACITY,
  ANN_POD_PHASE,
  PROVISIONED_BY,
  SELECTED_NODE,
} from "../../api/storage_annotations.ts";
import type { EventRecorder } from "../../lib/events.ts";
import { ApiError } from "../../lib/kube/api_error.ts";
import { keyOf, type KubeObject, type ObjectRef, type WatchEvent } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import type { Resource } from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import type { ImportRequest } from "../import/types.ts";
import { LocalStorage } from "./local_storage.ts";
import { localClass, NODE, pendingClaim } from "./testdata.ts";

const GI = 1024 ** 3;

const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {}, with: () => quiet };

type Obj = KubeObject & Record<string, unknown>;

/** Just enough of the API server for the reflectors and the writes LocalStorage makes. */
class FakeApi {
  #objects = new Map<string, Map<string, Obj>>();
  #watchers = new Set<{ plural: string; push(event: WatchEvent<Obj>): void }>();
  #rv = 1;
  writes: string[] = [];

  #kind(resource: Resource): Map<string, Obj> {
    let objects = this.#objects.get(resource.plural);
    if (!objects) this.#objects.set(resource.plural, objects = new Map());
    return objects;
  }

  #notify(resource: Resource, type: "ADDED" | "MODIFIED" | "DELETED", obj: Obj): void {
    for (const w of this.#watchers) if (w.plural === resource.plural) w.push({ type, object: obj });
  }

  find<T extends KubeObject>(plural: string, key: string): T | undefined {
    return this.#objects.get(plural)?.get(key) as T | undefined;
  }

  put<T extends KubeObject>(resource: Resource, obj: T): T {
    const objects = this.#kind(resource);
    const key = keyOf(obj);
    const old = objects.get(key);
    const stored = structuredClone({
      ...obj,
      metadata: {
        uid: crypto.randomUUID(),
        ...obj.metadata,
        resourceVersion: String(++this.#rv),
      },
    }) as Obj;
    objects.set(key, stored);
    this.#notify(resource, old ? "MODIFIED" : "ADDED", stored);
    return stored as unknown as T;
  }

  list(resource: Resource) {
    return Promise.resolve({
      metadata: { resourceVersion: String(this.#rv) },
      items: [...this.#kind(resource).values()].map((o) => structuredClone(o)),
    });
  }

  async *watch(resource: Resource, opts: { signal?: AbortSignal }) {
    const queue: WatchEvent<Obj>[] = [];
    let wake: (() => void) | undefined;
    const watcher = {
      plural: resource.plural,
      push(event: WatchEvent<Obj>) {
        queue.push(structuredClone(event));
        wake?.();
      },
    };
    this.#watchers.add(watcher);
    try {
      while (!opts.signal?.aborted) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          opts.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    } finally {
      this.#watchers.delete(watcher);
    }
  }

  get(resource: Resource, ref: ObjectRef) {
    const obj = this.#kind(resource).get(ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name);
    if (!obj) return Promise.reject(new ApiError("not found", 404, "NotFound"));
    return Promise.resolve(structuredClone(obj));
  }

  create(resource: Resource, obj: Obj) {
    this.writes.push(`create ${resource.plural} ${keyOf(obj)}`);
    if (this.#kind(resource).has(keyOf(obj))) {
      return Promise.reject(new ApiError("exists", 409, "AlreadyExists"));
    }
    return Promise.resolve(this.put(resource, obj));
  }

  async patch(resource: Resource, ref: ObjectRef, patch: unknown) {
    this.writes.push(`patch ${resource.plural} ${ref.namespace ?? ""}/${ref.name}`);
    const current = await this.get(resource, ref);
    return this.put(resource, mergePatch(current, patch) as Obj);
  }

  delete(resource: Resource, ref: ObjectRef) {
    this.writes.push(`delete ${resource.plural} ${ref.name}`);
    const objects = this.#kind(resource);
    const key = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
    const obj = objects.get(key);
    if (!obj) return Promise.reject(new ApiError("not found", 404, "NotFound"));
    objects.delete(key);
    this.#notify(resource, "DELETED", obj);
    return Promise.resolve(obj);
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = typeof target === "object" && target !== null
    ? { ...(target as Record<string, unknown>) }
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

const resource = (plural: string, kind: string, namespaced = true, group = ""): Resource => ({
  group,
  version: "v1",
  plural,
  kind,
  namespaced,
});
const R = {
  pvcs: resource("persistentvolumeclaims", "PersistentVolumeClaim"),
  pvs: resource("persistentvolumes", "PersistentVolume", false),
  classes: resource("storageclasses", "StorageClass", false, "storage.k8s.io"),
  nodes: resource("nodes", "Node", false),
  secrets: resource("secrets", "Secret"),
};

async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>) {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

Deno.test("LocalStorage provisions, publishes capacity, imports, resolves and deletes", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "denovirt-local-" });
  const api = new FakeApi();
  api.put(R.nodes, { metadata: { name: NODE } });
  api.put(R.classes, localClass);
  const events: string[] = [];
  const recorder = (type: string) => (obj: KubeObject, reason: string, message: string) => {
    events.push(`${type} ${reason} ${obj.metadata?.name}: ${message}`);
    return Promise.resolve();
  };
  const imports: ImportRequest[] = [];
  const ready: string[] = [];
  const storage = new LocalStorage({
    rest: api as unknown as RestClient,
    node: NODE,
    dataDir,
    capacityBytes: BigInt(10 * GI),
    async runImport(request) {
      imports.push(request);
      await Deno.writeTextFile(`${request.targetDir}/disk.img`, "image");
      return { format: "raw", compression: "none", transferredBytes: 5, virtualSizeBytes: 5 };
    },
    events: {
      normal: recorder("Normal"),
      warning: recorder("Warning"),
      record: (obj, type, reason, message) => recorder(type)(obj, reason, message),
    } as EventRecorder,
    log: quiet,
    onClaimReady: (namespace, name) => ready.push(`${namespace}/${name}`),
  });
  const stop = new AbortController();
  const running = storage.run(stop.signal);
  try {
    await eventually("sync", () => storage.hasSynced);
    const nodeAnnotations = () => api.find<KubeObject>("nodes", NODE)?.metadata?.annotations ?? {};
    await eventually("capacity", () => nodeAnnotations()[ANN_NODE_STORAGE_CAPACITY]);
    assert.equal(nodeAnnotations()[ANN_NODE_STORAGE_CAPACITY], String(10 * GI));
    assert.equal(nodeAnnotations()[ANN_NODE_STORAGE_ALLOCATED], "0");

    // A claim selected for this node gets its PV and directory.
    const claim = api.put<PersistentVolumeClaim>(
      R.pvcs,
      pendingClaim({ name: "plain", uid: "u-plain" }),
    );
    const pv = await eventually(
      "the PV",
      () => api.find<PersistentVolume>("persistentvolumes", "pvc-u-plain"),
    );
    const dir = `${dataDir}/volumes/pvc-u-plain`;
    assert.equal(pv.spec?.local?.path, dir);
    assert.equal(pv.metadata?.annotations?.[PROVISIONED_BY], "denovirt.io/local");
    assert.ok((await Deno.stat(dir)).isDirectory);
    await eventually("the Provisioning events", () => events.length >= 2);
    assert.deepEqual(events, [
      'Normal Provisioning plain: External provisioner is provisioning volume for claim "default/plain"',
      "Normal ProvisioningSucceeded plain: Successfully provisioned volume pvc-u-plain",
    ]);
    await eventually(
      "allocated",
      () => nodeAnnotations()[ANN_NODE_STORAGE_ALLOCATED] === String(GI),
    );

    // Not bound yet: a VMI waits; bound (as the PV controller does): an empty disk.img appears.
    await assert.rejects(() => storage.resolveClaim("default", "plain"), /is not bound yet/);
    api.put<PersistentVolume>(R.pvs, { ...pv, status: { phase: "Bound" } });
    api.put<PersistentVolumeClaim>(R.pvcs, {
      ...claim,
      spec: { ...claim.spec, volumeName: "pvc-u-plain" },
      status: { phase: "Bound" },
    });
    await eventually("the claim ready", () => ready.includes("default/plain"));
    assert.equal(await storage.resolveClaim("default", "plain"), dir);
    assert.equal((await Deno.stat(`${dir}/disk.img`)).size, GI);

    // A claim that does not fit is handed back to the scheduler.
    api.put(R.pvcs, pendingClaim({ name: "huge", uid: "u-huge", storage: "20Gi" }));
    await eventually("the selected node removed", () => {
      const huge = api.find<PersistentVolumeClaim>("persistentvolumeclaims", "default/huge");
      return huge && huge.metadata?.annotations?.[SELECTED_NODE] === undefined;
    });
    assert.ok(events.some((e) => e.startsWith("Warning ProvisioningFailed huge: Not enough")));
    assert.equal(api.find("persistentvolumes", "pvc-u-huge"), undefined);

    // An import runs in the volume's directory once the claim is bound.
    const imported = api.put<PersistentVolumeClaim>(
      R.pvcs,
      pendingClaim({
        name: "imported",
        uid: "u-imp",
        annotations: { [ANN_ENDPOINT]: "https://x/y" },
      }),
    );
    const importPv = await eventually(
      "the imported PV",
      () => api.find<PersistentVolume>("persistentvolumes", "pvc-u-imp"),
    );
    api.put<PersistentVolume>(R.pvs, { ...importPv, status: { phase: "Bound" } });
    api.put<PersistentVolumeClaim>(R.pvcs, {
      ...imported,
      spec: { ...imported.spec, volumeName: "pvc-u-imp" },
      status: { phase: "Bound" },
    });
    await eventually("the import to succeed", () => {
      const pvc = api.find<PersistentVolumeClaim>("persistentvolumeclaims", "default/imported");
      return pvc?.metadata?.annotations?.[ANN_POD_PHASE] === "Succeeded";
    });
    assert.equal(imports.length, 1);
    assert.equal(imports[0]?.targetDir, `${dataDir}/volumes/pvc-u-imp`);
    await eventually("the imported claim ready", () => ready.includes("default/imported"));
    assert.equal(await storage.resolveClaim("default", "imported"), `${dataDir}/volumes/pvc-u-imp`);

    // Released: the directory and the PV go, the allocation shrinks.
    api.put<PersistentVolume>(R.pvs, {
      ...api.find<PersistentVolume>("persistentvolumes", "pvc-u-plain")!,
      status: { phase: "Released" },
    });
    await eventually("the PV deleted", () => !api.find("persistentvolumes", "pvc-u-plain"));
    assert.equal(await Deno.stat(dir).catch(() => undefined), undefined);
    await eventually(
      "allocated",
      () => nodeAnnotations()[ANN_NODE_STORAGE_ALLOCATED] === String(GI),
    );
  } finally {
    stop.abort();
    await running;
    await Deno.remove(dataDir, { recursive: true });
  }
});
