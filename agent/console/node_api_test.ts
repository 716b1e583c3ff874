import assert from "node:assert/strict";
import type { Peer } from "../../lib/http/https_server.ts";
import { nodeApi, requireClient, type VmiLike, WEBHOOKS_IDENTITY } from "./node_api.ts";

const WEBHOOKS: Peer = { authorized: true, commonName: WEBHOOKS_IDENTITY };
const vmi: VmiLike = { metadata: { name: "web", namespace: "ns" } };

function api(calls: string[]) {
  return nodeApi({
    vmiOf: (ns, name) => (ns === "ns" && name === "web" ? vmi : undefined),
    serialSocketOf: () => "/nonexistent",
    domains: {
      pause: () => (calls.push("pause"), Promise.resolve()),
      unpause: () => (calls.push("unpause"), Promise.resolve()),
      softReboot: () => (calls.push("softreboot"), Promise.resolve()),
      screenshot: () => (calls.push("screenshot"), Promise.resolve(new Uint8Array([137, 80]))),
      guestUsers: () => (calls.push("users"), Promise.resolve([{ userName: "root" }])),
      guestFilesystems: () => (calls.push("filesystems"), Promise.resolve([])),
    },
  });
}

const path = (name: string, what: string) =>
  `/v1/namespaces/ns/virtualmachineinstances/${name}/${what}`;

Deno.test("requireClient() admits only the webhooks' certificate of the cluster CA", () => {
  requireClient(WEBHOOKS, [WEBHOOKS_IDENTITY]);
  assert.throws(() => requireClient({ authorized: false }, [WEBHOOKS_IDENTITY]), /Unauthorized/);
  assert.throws(
    () => requireClient({ authorized: true, commonName: "denovirt-admin" }, [WEBHOOKS_IDENTITY]),
    /"denovirt-admin" may not call the node API/,
  );
});

Deno.test("nodeApi() runs pause, unpause and soft reboot on the VMI's domain", async () => {
  const calls: string[] = [];
  const { app } = api(calls);
  for (const what of ["pause", "unpause", "softreboot"]) {
    const response = await app.request(path("web", what), { method: "PUT" }, { peer: WEBHOOKS });
    assert.equal(response.status, 200);
  }
  assert.deepEqual(calls, ["pause", "unpause", "softreboot"]);
});

Deno.test("nodeApi() answers Status 401 and 404 for strangers, missing VMIs and unknown paths", async () => {
  const calls: string[] = [];
  const { app } = api(calls);
  const stranger = await app.request(path("web", "pause"), { method: "PUT" }, {
    peer: { authorized: false },
  });
  assert.equal(stranger.status, 401);
  assert.equal((await stranger.json()).kind, "Status");
  const missing = await app.request(path("nope", "pause"), { method: "PUT" }, { peer: WEBHOOKS });
  assert.equal(missing.status, 404);
  const unknown = await app.request(path("web", "guestosinfo"), {}, { peer: WEBHOOKS });
  assert.equal(unknown.status, 404, "the guest's OS is the subresource API's, from status");
  assert.deepEqual(calls, []);
});

Deno.test("nodeApi() answers vnc/screenshot with the domain's PNG", async () => {
  const calls: string[] = [];
  const { app } = api(calls);
  const response = await app.request(path("web", "vnc/screenshot"), {}, { peer: WEBHOOKS });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "image/png");
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), new Uint8Array([137, 80]));
  const missing = await app.request(path("nope", "vnc/screenshot"), {}, { peer: WEBHOOKS });
  assert.equal(missing.status, 404);
  assert.deepEqual(calls, ["screenshot"]);
});

Deno.test("nodeApi() answers userlist and filesystemlist as virt-handler's lists", async () => {
  const calls: string[] = [];
  const { app } = api(calls);
  const users = await app.request(path("web", "userlist"), {}, { peer: WEBHOOKS });
  assert.equal(users.status, 200);
  assert.deepEqual(await users.json(), { metadata: {}, items: [{ userName: "root" }] });
  const filesystems = await app.request(path("web", "filesystemlist"), {}, { peer: WEBHOOKS });
  assert.deepEqual(await filesystems.json(), { metadata: {}, items: [] });
  const missing = await app.request(path("nope", "userlist"), {}, { peer: WEBHOOKS });
  assert.equal(missing.status, 404);
  assert.deepEqual(calls, ["users", "filesystems"]);
});
