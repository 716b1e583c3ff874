import assert from "node:assert/strict";
import type { EvictionStrategy, Pod, VirtualMachineInstance } from "../api/mod.ts";
import { webhookApp } from "./app.ts";
import type { EvictionLookups } from "./eviction.ts";
import { call } from "./testdata/admit.ts";
import { fakeLookups } from "./testdata/reviews.ts";

const launcher = (edit: (p: Pod) => void = () => {}): Pod => {
  const pod: Pod = {
    metadata: {
      name: "virt-launcher-web-abcde",
      namespace: "default",
      labels: { "kubevirt.io": "virt-launcher" },
      annotations: { "kubevirt.io/domain": "web" },
    },
    spec: { nodeName: "node-a", containers: [] },
    status: { phase: "Running" },
  };
  edit(pod);
  return pod;
};

function vmi(
  strategy: EvictionStrategy | undefined,
  migratable: boolean,
  edit: (v: VirtualMachineInstance) => void = () => {},
): VirtualMachineInstance {
  const v: VirtualMachineInstance = {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name: "web", namespace: "default" },
    spec: { domain: { devices: {} }, ...(strategy ? { evictionStrategy: strategy } : {}) },
    status: {
      phase: "Running",
      nodeName: "node-a",
      conditions: [{ type: "LiveMigratable", status: migratable ? "True" : "False" }],
    },
  };
  edit(v);
  return v;
}

/** Evicts the pod through the app; returns the answer and the marks made. */
async function evict(
  pod: Pod | undefined,
  target: VirtualMachineInstance | undefined,
  options: { cluster?: EvictionStrategy; dryRun?: boolean; fail?: boolean } = {},
) {
  const marks: string[] = [];
  const evictions: EvictionLookups = {
    getPod: () => Promise.resolve(pod),
    getVmi: () => Promise.resolve(target),
    clusterEvictionStrategy: () => Promise.resolve(options.cluster),
    markForEvacuation: (namespace, name, node, dryRun) => {
      if (options.fail) return Promise.reject(new Error("conflict"));
      marks.push(`${namespace}/${name} ${node}${dryRun ? " dry-run" : ""}`);
      return Promise.resolve();
    },
  };
  const app = webhookApp({ lookups: fakeLookups(), evictions });
  const answer = await call(app, "/evictions/validate", {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "u1",
      kind: { group: "policy", version: "v1", kind: "Eviction" },
      resource: { group: "", version: "v1", resource: "pods" },
      subResource: "eviction",
      name: "virt-launcher-web-abcde",
      namespace: "default",
      operation: "CREATE",
      userInfo: { username: "admin" },
      object: {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: "virt-launcher-web-abcde" },
        ...(options.dryRun ? { deleteOptions: { dryRun: ["All"] } } : {}),
      },
      dryRun: false,
    },
  });
  return { response: answer.response, marks };
}

const TRIGGERED = 'Eviction triggered evacuation of VMI "default/web"';

Deno.test("evictionVerdict() refuses a LiveMigrate launcher's eviction with 429 and marks the VMI", async () => {
  const { response, marks } = await evict(launcher(), vmi("LiveMigrate", true));
  assert.equal(response.allowed, false);
  assert.equal(response.status.code, 429);
  assert.equal(response.status.reason, "TooManyRequests");
  assert.equal(response.status.message, TRIGGERED);
  assert.deepEqual(marks, ["default/web node-a"]);
});

Deno.test("evictionVerdict() follows KubeVirt's table of strategies", async () => {
  const cases: Array<
    [EvictionStrategy | undefined, boolean, EvictionStrategy | undefined, string]
  > = [
    ["None", true, "LiveMigrate", "allowed"],
    [undefined, true, undefined, "allowed"],
    [undefined, true, "LiveMigrate", TRIGGERED],
    [
      "LiveMigrate",
      false,
      undefined,
      "VMI web is configured with an eviction strategy but is not live-migratable",
    ],
    ["LiveMigrateIfPossible", true, undefined, TRIGGERED],
    ["LiveMigrateIfPossible", false, undefined, "allowed"],
    ["External", false, undefined, TRIGGERED],
  ];
  for (const [strategy, migratable, cluster, expected] of cases) {
    const { response } = await evict(launcher(), vmi(strategy, migratable), { cluster });
    const what = `${strategy} migratable=${migratable} cluster=${cluster}`;
    if (expected === "allowed") assert.equal(response.allowed, true, what);
    else {
      assert.equal(response.allowed, false, what);
      assert.equal(response.status.code, 429, what);
      assert.equal(response.status.message, expected, what);
    }
  }
});

Deno.test("evictionVerdict() lets other pods go and keeps refusing while the evacuation runs", async () => {
  const other = launcher((p) => p.metadata!.labels = { app: "web" });
  assert.equal((await evict(other, vmi("LiveMigrate", true))).response.allowed, true);
  assert.equal((await evict(undefined, undefined)).response.allowed, true);
  const done = launcher((p) => p.status = { phase: "Succeeded" });
  assert.equal((await evict(done, vmi("LiveMigrate", true))).response.allowed, true);
  const marked = vmi("LiveMigrate", true, (v) => v.status!.evacuationNodeName = "node-a");
  const again = await evict(launcher(), marked);
  assert.equal(again.response.status.message, `Evacuation in progress: ${TRIGGERED}`);
  assert.deepEqual(again.marks, []);
  const target = launcher((p) => p.spec!.nodeName = "node-b");
  const refused = await evict(target, vmi("LiveMigrate", true));
  assert.equal(refused.response.status.message, "Eviction request for target Pod");
});

Deno.test("evictionVerdict() marks on a dry run without writing, and refuses when it cannot mark", async () => {
  const dry = await evict(launcher(), vmi("LiveMigrate", true), { dryRun: true });
  assert.deepEqual(dry.marks, ["default/web node-a dry-run"]);
  const failed = await evict(launcher(), vmi("LiveMigrate", true), { fail: true });
  assert.equal(failed.response.status.code, 429);
  assert.equal(
    failed.response.status.message,
    "kubevirt failed marking the vmi for eviction: conflict",
  );
  const missing = await evict(launcher(), undefined);
  assert.match(missing.response.status.message, /^kubevirt failed getting the vmi: /);
});
