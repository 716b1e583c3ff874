import assert from "node:assert/strict";
import type { Attributes, Caller } from "./access.ts";
import type { Backend } from "./app_options.ts";
import { subresourceApp } from "./app.ts";
import type { Peer } from "../lib/http/https_server.ts";
import type { PatchStep, VmiLike, VmLike } from "./lifecycle.ts";
import type { VirtualMachineInstanceMigration } from "../api/mod.ts";
import { ApiError } from "../lib/kube/api_error.ts";

const PROXY: Peer = { authorized: true, commonName: "front-proxy-client" };
const BASE = "/apis/subresources.kubevirt.io/v1/namespaces/ns";

interface Fake {
  backend: Backend;
  patches: PatchStep[];
  reviews: [Caller, Attributes][];
  agentCalls: string[];
  migrations: Array<{ migration: VirtualMachineInstanceMigration; dryRun: boolean }>;
}

const PNG = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

function fake(
  objects: {
    vm?: VmLike;
    vmi?: VmiLike;
    allow?: boolean;
    vmiError?: Error;
    createError?: Error;
  } = {},
): Fake {
  const f: Fake = {
    migrations: [],
    patches: [],
    reviews: [],
    agentCalls: [],
    backend: {
      getVm: (_ns, name) => Promise.resolve(name === "web" ? objects.vm : undefined),
      getVmi: (_ns, name) =>
        objects.vmiError
          ? Promise.reject(objects.vmiError)
          : Promise.resolve(name === "web" ? objects.vmi : undefined),
      patch: (step) => (f.patches.push(step), Promise.resolve()),
      authorize: (caller, attrs) => {
        f.reviews.push([caller, attrs]);
        return Promise.resolve(
          objects.allow === false ? { allowed: false, reason: "no RBAC" } : { allowed: true },
        );
      },
      agentPut: (_vmi, action) => (f.agentCalls.push(action), Promise.resolve()),
      agentScreenshot: () => (f.agentCalls.push("screenshot"), Promise.resolve(PNG)),
      createMigration: (migration, dryRun) =>
        objects.createError
          ? Promise.reject(objects.createError)
          : (f.migrations.push({ migration, dryRun }), Promise.resolve()),
    },
  };
  return f;
}

function call(
  f: Fake,
  method: string,
  path: string,
  opts: { peer?: Peer; user?: string; body?: string } = {},
) {
  const headers: Record<string, string> = {
    "x-remote-user": opts.user ?? "alice",
    "x-remote-group": "devs,system:authenticated",
    "x-remote-extra-scopes": "a",
  };
  return subresourceApp({ backend: f.backend }).request(
    path,
    { method, headers, ...(opts.body !== undefined ? { body: opts.body } : {}) },
    { peer: opts.peer ?? PROXY },
  );
}

const halted: VmLike = {
  metadata: { name: "web", namespace: "ns" },
  spec: { runStrategy: "Halted" },
};
const running: VmiLike = {
  metadata: { name: "web", namespace: "ns", uid: "u1" },
  status: { phase: "Running", nodeName: "n1" },
};

Deno.test("subresourceApp() starts a Halted VM with 202 after a SubjectAccessReview", async () => {
  const f = fake({ vm: halted });
  const response = await call(f, "PUT", `${BASE}/virtualmachines/web/start`, { body: "{}" });
  assert.equal(response.status, 202);
  assert.equal(f.patches.length, 1);
  const [caller, attrs] = f.reviews[0]!;
  assert.deepEqual(caller, {
    user: "alice",
    groups: ["devs", "system:authenticated"],
    extra: { scopes: ["a"] },
  });
  assert.deepEqual(attrs, {
    verb: "update",
    namespace: "ns",
    resource: "virtualmachines",
    subresource: "start",
    name: "web",
    version: "v1",
  });
});

Deno.test("subresourceApp() answers Status 404 for a missing VM and 409 for a running one", async () => {
  const missing = await call(fake(), "PUT", `${BASE}/virtualmachines/web/start`);
  assert.equal(missing.status, 404);
  const status = await missing.json();
  assert.equal(status.kind, "Status");
  assert.equal(status.reason, "NotFound");
  assert.equal(status.message, 'virtualmachine.kubevirt.io "web" not found');
  const again = await call(
    fake({ vm: halted, vmi: running }),
    "PUT",
    `${BASE}/virtualmachines/web/start`,
  );
  assert.equal(again.status, 409);
  assert.match((await again.json()).message, /VM is already running/);
});

Deno.test("subresourceApp() answers 403 when the SubjectAccessReview denies", async () => {
  const f = fake({ vm: halted, allow: false });
  const response = await call(f, "PUT", `${BASE}/virtualmachines/web/start`);
  assert.equal(response.status, 403);
  const status = await response.json();
  assert.equal(status.reason, "Forbidden");
  assert.match(status.message, /User "alice" cannot update resource "virtualmachines\/start"/);
  assert.equal(f.patches.length, 0);
});

Deno.test("subresourceApp() answers 401 to callers other than the front proxy", async () => {
  for (
    const peer of [
      { authorized: false, authorizationError: "UNABLE_TO_GET_ISSUER_CERT" },
      { authorized: true, commonName: "someone-else" },
    ]
  ) {
    const f = fake({ vm: halted });
    const response = await call(f, "PUT", `${BASE}/virtualmachines/web/start`, { peer });
    assert.equal(response.status, 401);
    assert.equal(f.reviews.length, 0);
  }
  const noUser = await call(fake({ vm: halted }), "PUT", `${BASE}/virtualmachines/web/start`, {
    user: "",
  });
  assert.equal(noUser.status, 401);
});

Deno.test("subresourceApp() pauses and unpauses through the agent after the VMI checks", async () => {
  const f = fake({ vmi: running });
  assert.equal((await call(f, "PUT", `${BASE}/virtualmachineinstances/web/pause`)).status, 200);
  assert.deepEqual(f.agentCalls, ["pause"]);
  const notPaused = await call(f, "PUT", `${BASE}/virtualmachineinstances/web/unpause`);
  assert.equal(notPaused.status, 409);
  assert.match((await notPaused.json()).message, /VMI is not paused/);
  const paused = fake({
    vmi: {
      ...running,
      status: { ...running.status, conditions: [{ type: "Paused", status: "True" }] },
    },
  });
  assert.equal(
    (await call(paused, "PUT", `${BASE}/virtualmachineinstances/web/pause`)).status,
    409,
  );
  assert.equal(
    (await call(paused, "PUT", `${BASE}/virtualmachineinstances/web/unpause`)).status,
    200,
  );
  const dry = fake({ vmi: running });
  const body = '{"dryRun":["All"]}';
  assert.equal(
    (await call(dry, "PUT", `${BASE}/virtualmachineinstances/web/pause`, { body })).status,
    200,
  );
  assert.deepEqual(dry.agentCalls, []);
});

Deno.test("subresourceApp() answers the guest agent's subresources as virt-api does without one, never asking the agent", async () => {
  for (const version of ["v1", "v1alpha3"]) {
    for (const what of ["guestosinfo", "userlist", "filesystemlist"]) {
      const f = fake({ vmi: running });
      const path =
        `/apis/subresources.kubevirt.io/${version}/namespaces/ns/virtualmachineinstances`;
      const response = await call(f, "GET", `${path}/web/${what}`);
      assert.equal(response.status, 500, `${version} ${what}`);
      assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(
        await response.text(),
        'Operation cannot be fulfilled on virtualmachineinstance.kubevirt.io "web": ' +
          "VMI does not have guest agent connected",
      );
      assert.deepEqual(f.reviews[0]![1], {
        verb: "get",
        version,
        namespace: "ns",
        resource: "virtualmachineinstances",
        subresource: what,
        name: "web",
      });
      assert.deepEqual(f.agentCalls, []);
    }
  }
});

Deno.test("subresourceApp() answers a failed VMI read for guestosinfo as virt-api, and RBAC first", async () => {
  const broken = fake({ vmiError: new Error("connection refused") });
  const failed = await call(broken, "GET", `${BASE}/virtualmachineinstances/web/userlist`);
  assert.equal(failed.status, 500);
  assert.equal(
    await failed.text(),
    "Internal error occurred: unable to retrieve vmi [web]: connection refused",
  );
  const denied = fake({ vmi: running, allow: false });
  const refused = await call(denied, "GET", `${BASE}/virtualmachineinstances/web/guestosinfo`);
  assert.equal(refused.status, 403);
  assert.match(
    (await refused.json()).message,
    /cannot get resource "virtualmachineinstances\/guestosinfo"/,
  );
  const other = await call(
    fake({ vmi: running }),
    "GET",
    `${BASE}/virtualmachineinstances/web/interfacelist`,
  );
  assert.equal(other.status, 404);
});

Deno.test("subresourceApp() migrates a running VM's VMI with a kubevirt-migrate-vm- migration", async () => {
  const f = fake({ vm: halted, vmi: running });
  const body = JSON.stringify({ dryRun: ["All"], addedNodeSelector: { zone: "b" } });
  const response = await call(f, "PUT", `${BASE}/virtualmachines/web/migrate`, { body });
  assert.equal(response.status, 202);
  assert.deepEqual(f.migrations, [{
    migration: {
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachineInstanceMigration",
      metadata: { generateName: "kubevirt-migrate-vm-", namespace: "ns" },
      spec: { vmiName: "web", addedNodeSelector: { zone: "b" } },
    },
    dryRun: true,
  }]);
  assert.equal(f.reviews[0]![1].subresource, "migrate");
});

Deno.test("subresourceApp() answers migrate as virt-api: 409 not running, 404, 500 refused", async () => {
  const stopped = await call(
    fake({ vm: halted, vmi: { ...running, status: { phase: "Scheduling" } } }),
    "PUT",
    `${BASE}/virtualmachines/web/migrate`,
  );
  assert.equal(stopped.status, 409);
  assert.match((await stopped.json()).message, /: VM is not running$/);
  const missing = await call(fake({ vm: halted }), "PUT", `${BASE}/virtualmachines/web/migrate`);
  assert.equal(missing.status, 404);
  const denied = new ApiError("denied", 400, "BadRequest", undefined, {
    message: 'admission webhook "x" denied the request: Cannot migrate VMI in finalized state.',
  } as never);
  const refused = await call(
    fake({ vm: halted, vmi: running, createError: denied }),
    "PUT",
    `${BASE}/virtualmachines/web/migrate`,
  );
  assert.equal(refused.status, 500);
  assert.equal(
    (await refused.json()).message,
    'Internal error occurred: admission webhook "x" denied the request: ' +
      "Cannot migrate VMI in finalized state.",
  );
});

Deno.test("subresourceApp() serves discovery to the front proxy only, and health to anyone", async () => {
  const f = fake();
  const list = await (await call(f, "GET", "/apis/subresources.kubevirt.io/v1")).json();
  assert.equal(list.kind, "APIResourceList");
  assert.equal(list.groupVersion, "subresources.kubevirt.io/v1");
  assert.ok(list.resources.some((r: { name: string }) => r.name === "virtualmachines/start"));
  const group = await (await call(f, "GET", "/apis/subresources.kubevirt.io")).json();
  assert.equal(group.preferredVersion.version, "v1");
  const v1alpha3 = await call(f, "GET", "/apis/subresources.kubevirt.io/v1alpha3/version");
  assert.equal(v1alpha3.status, 200);
  const stranger = await call(f, "GET", "/apis/subresources.kubevirt.io/v1", {
    peer: { authorized: false },
  });
  assert.equal(stranger.status, 401);
  assert.equal((await call(f, "GET", "/healthz", { peer: { authorized: false } })).status, 200);
  assert.equal((await call(f, "GET", `${BASE}/nothing/here`)).status, 404);
});

Deno.test("subresourceApp() lists port-forward as virt-api does and refuses it without a WebSocket", async () => {
  const f = fake({ vmi: running });
  const list = await (await call(f, "GET", "/apis/subresources.kubevirt.io/v1")).json();
  const names = list.resources.map((r: { name: string }) => r.name);
  // virt-api lists the VMI's port-forward only, though it serves the VM's too.
  assert.ok(names.includes("virtualmachineinstances/portforward"));
  assert.ok(!names.includes("virtualmachines/portforward"));
  for (
    const path of [
      "virtualmachineinstances/web/portforward/22",
      "virtualmachineinstances/web/portforward/22/tcp",
      "virtualmachines/web/portforward/53/udp",
    ]
  ) {
    const response = await call(f, "GET", `${BASE}/${path}`);
    assert.equal(response.status, 400, path);
    assert.match((await response.json()).message, /Port-forward is a WebSocket/);
  }
  assert.deepEqual(f.agentCalls, []);
});

Deno.test("subresourceApp() lists vnc as virt-api does and refuses it without a WebSocket", async () => {
  const f = fake({ vmi: running });
  const list = await (await call(f, "GET", "/apis/subresources.kubevirt.io/v1")).json();
  assert.ok(list.resources.some((r: { name: string }) => r.name === "virtualmachineinstances/vnc"));
  const response = await call(f, "GET", `${BASE}/virtualmachineinstances/web/vnc`);
  assert.equal(response.status, 400);
  assert.match((await response.json()).message, /VNC is a WebSocket/);
  assert.deepEqual(f.agentCalls, []);
});

Deno.test("subresourceApp() serves vnc/screenshot from the agent as image/png, after KubeVirt's checks", async () => {
  const f = fake({ vmi: running });
  const response = await call(f, "GET", `${BASE}/virtualmachineinstances/web/vnc/screenshot`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "image/png");
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), PNG);
  assert.equal(f.reviews[0]![1].subresource, "vnc/screenshot");
  const headless = fake({
    vmi: { ...running, spec: { domain: { devices: { autoattachGraphicsDevice: false } } } },
  });
  const refused = await call(headless, "GET", `${BASE}/virtualmachineinstances/web/vnc/screenshot`);
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).message, "No graphics devices are present.");
  const moving = await call(
    f,
    "GET",
    `${BASE}/virtualmachineinstances/web/vnc/screenshot?moveCursor=true`,
  );
  assert.equal(moving.status, 400);
  assert.equal((await moving.json()).message, "moveCursor is not supported by denovirt");
  assert.deepEqual([f.agentCalls, headless.agentCalls], [["screenshot"], []]);
});

Deno.test("subresourceApp() answers /readyz 503 with the reason until its checks pass", async () => {
  let reason: string | undefined = "cannot read virtualmachines.kubevirt.io from the API server";
  const app = subresourceApp({
    backend: fake().backend,
    notReadyReason: () => Promise.resolve(reason),
  });
  const refused = await app.request("/readyz", {}, { peer: { authorized: false } });
  assert.equal(refused.status, 503);
  assert.equal(await refused.text(), `not ready: ${reason}`);
  reason = undefined;
  const ready = await app.request("/readyz", {}, { peer: { authorized: false } });
  assert.deepEqual([ready.status, await ready.text()], [200, "ok"]);
});

Deno.test("subresourceApp() adds a volume to a running VMI's spec and queues one on a VM, 202 each", async () => {
  const body = JSON.stringify({
    name: "data",
    disk: { disk: { bus: "scsi" } },
    volumeSource: { dataVolume: { name: "blank" } },
  });
  const vmi = {
    ...running,
    spec: { domain: { devices: {} } },
  } as VmiLike;
  for (
    const [resource, target] of [["virtualmachineinstances", "vmi"], [
      "virtualmachines",
      "vm-status",
    ]]
  ) {
    const f = fake({ vm: halted, vmi });
    const response = await call(f, "PUT", `${BASE}/${resource}/web/addvolume`, { body });
    assert.equal(response.status, 202, resource);
    assert.equal(f.patches[0]?.target, target);
    assert.equal(f.reviews[0]?.[1].subresource, "addvolume");
  }
  const f = fake({ vm: halted, vmi });
  const missing = await call(f, "PUT", `${BASE}/virtualmachineinstances/web/removevolume`, {
    body: '{"name":"data"}',
  });
  assert.equal(missing.status, 409);
  assert.match((await missing.json()).message, /Unable to remove volume \[data\]/);
});

Deno.test("subresourceApp() takes kubevirt-manager's options object as the body of every lifecycle call", async () => {
  // kubevirt-manager passes its HTTP options where the body goes: `{"headers":{...}}`.
  const body = JSON.stringify({ headers: { accept: "application/json" } });
  const manual: VmLike = {
    metadata: { name: "web", namespace: "ns" },
    spec: { runStrategy: "Manual" },
  };
  const calls: Array<[VmLike, VmiLike | undefined, string, string, number]> = [
    [halted, undefined, "virtualmachines", "start", 202],
    [{ ...halted, spec: { runStrategy: "Always" } }, running, "virtualmachines", "stop", 202],
    [manual, running, "virtualmachines", "restart", 202],
    [manual, running, "virtualmachineinstances", "pause", 200],
    [{ ...halted, spec: { running: true } }, undefined, "virtualmachines", "start", 409],
  ];
  for (const [vm, vmi, resource, action, code] of calls) {
    const f = fake({ vm, ...(vmi ? { vmi } : {}) });
    const response = await call(f, "PUT", `${BASE}/${resource}/web/${action}`, { body });
    assert.equal(response.status, code, `${action}: ${await response.text()}`);
    assert.equal(f.patches.length + f.agentCalls.length, code < 300 ? 1 : 0, action);
  }
});
