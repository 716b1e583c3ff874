import assert from "node:assert/strict";
import { apiServerCheck } from "./api_readiness.ts";
import { virtualMachineInstances, virtualMachines } from "./resources.ts";
import { RestClient } from "./rest.ts";

Deno.test("apiServerCheck() lists one of each resource and names the first it cannot read", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push(`${url.pathname}?${url.searchParams}`);
    if (url.pathname.endsWith("/virtualmachineinstances") && seen.length > 2) {
      const message = "User cannot list resource";
      return Response.json({ kind: "Status", code: 403, reason: "Forbidden", message }, {
        status: 403,
      });
    }
    return Response.json({ metadata: {}, items: [] });
  });
  const kube = new RestClient({
    server: `http://127.0.0.1:${server.addr.port}`,
    authHeaders: () => ({}),
    close() {},
  });
  try {
    const check = apiServerCheck(kube, [virtualMachines, virtualMachineInstances]);
    assert.equal(await check(), undefined);
    assert.deepEqual(seen, [
      "/apis/kubevirt.io/v1/virtualmachines?limit=1",
      "/apis/kubevirt.io/v1/virtualmachineinstances?limit=1",
    ]);
    assert.match(
      (await check())!,
      /^cannot read virtualmachineinstances\.kubevirt\.io from the API server: .*403 Forbidden: User cannot list resource$/,
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("apiServerCheck() says so when the API server cannot be reached", async () => {
  const kube = new RestClient({
    server: "http://127.0.0.1:1",
    authHeaders: () => ({}),
    close() {},
  });
  assert.match((await apiServerCheck(kube, [virtualMachines])())!, /^cannot read virtualmachines/);
});
