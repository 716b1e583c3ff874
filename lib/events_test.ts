import assert from "node:assert/strict";
import { RestEventRecorder } from "./events.ts";
import { ApiError } from "./kube/api_error.ts";
import type { KubeObject, ObjectRef } from "./kube/object.ts";
import type { Logger } from "./log.ts";

const warnings: string[] = [];
const log: Logger = {
  info() {},
  warn: (msg) => void warnings.push(msg),
  error() {},
  debug() {},
  with: () => log,
};

/** Records what the recorder sends; `failCreate` makes creates fail, `gone` makes patches 404. */
class FakeRest {
  created: Array<Record<string, unknown>> = [];
  patched: Array<{ ref: ObjectRef; patch: Record<string, unknown> }> = [];
  failCreate = false;
  gone = false;
  create<T extends KubeObject>(_r: unknown, obj: T): Promise<T> {
    if (this.failCreate) return Promise.reject(new Error("forbidden"));
    this.created.push(obj as Record<string, unknown>);
    return Promise.resolve(obj);
  }
  patch<T extends KubeObject>(_r: unknown, ref: ObjectRef, patch: unknown): Promise<T> {
    if (this.gone) return Promise.reject(new ApiError("gone", 404, "NotFound"));
    this.patched.push({ ref, patch: patch as Record<string, unknown> });
    return Promise.resolve({} as T);
  }
}

const vm: KubeObject = {
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachine",
  metadata: { name: "web", namespace: "ns", uid: "u1", resourceVersion: "5" },
};

Deno.test("RestEventRecorder creates a core/v1 Event naming the object, reason and source", async () => {
  const rest = new FakeRest();
  const recorder = new RestEventRecorder({ rest, component: "denovirt-controller", log });
  await recorder.normal(vm, "SuccessfulCreate", "Created VMI web");
  const event = rest.created[0]!;
  assert.equal((event.metadata as ObjectRef).namespace, "ns");
  assert.match((event.metadata as ObjectRef).name, /^web\.[0-9a-f]+$/);
  assert.deepEqual(event.involvedObject, {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    name: "web",
    namespace: "ns",
    uid: "u1",
    resourceVersion: "5",
  });
  assert.equal(event.type, "Normal");
  assert.equal(event.count, 1);
  assert.deepEqual(event.source, { component: "denovirt-controller", host: undefined });
  assert.match(event.firstTimestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

Deno.test("RestEventRecorder aggregates repeats within the window by patching the count", async () => {
  const rest = new FakeRest();
  let now = 1_000_000;
  const recorder = new RestEventRecorder({ rest, component: "c", log, now: () => now });
  await Promise.all([1, 2, 3].map(() => recorder.warning(vm, "FailedCreate", "quota exceeded")));
  assert.equal(rest.created.length, 1);
  assert.deepEqual(rest.patched.map((p) => p.patch.count), [2, 3]);
  assert.equal(rest.patched[0]!.ref.name, (rest.created[0]!.metadata as ObjectRef).name);
  now += 11 * 60_000;
  await recorder.warning(vm, "FailedCreate", "quota exceeded");
  assert.equal(rest.created.length, 2, "after the window a new Event starts");
  await recorder.warning(vm, "FailedCreate", "another message");
  assert.equal(rest.created.length, 3, "a different message is a different Event");
});

Deno.test("RestEventRecorder starts a new Event when the aggregated one is gone", async () => {
  const rest = new FakeRest();
  const recorder = new RestEventRecorder({ rest, component: "c", log });
  await recorder.normal(vm, "Started", "VM started");
  rest.gone = true;
  await recorder.normal(vm, "Started", "VM started");
  assert.equal(rest.created.length, 2);
});

Deno.test("RestEventRecorder never throws into the caller, it logs", async () => {
  const rest = new FakeRest();
  rest.failCreate = true;
  const recorder = new RestEventRecorder({ rest, component: "c", log });
  await recorder.warning(vm, "X", "y");
  assert.deepEqual(warnings, ["Cannot record event"]);
});

Deno.test("RestEventRecorder puts Events about cluster-scoped objects in the default namespace", async () => {
  const rest = new FakeRest();
  const recorder = new RestEventRecorder({ rest, component: "c", log });
  await recorder.normal({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } }, "R", "m");
  assert.equal((rest.created[0]!.metadata as ObjectRef).namespace, "default");
});
