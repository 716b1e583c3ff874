import assert from "node:assert/strict";
import { apiProxy, forwardedHeaders, upstreamPathOf } from "./api_proxy.ts";

Deno.test("upstreamPathOf() maps /console/api/<path> to /<path> and nothing else", () => {
  assert.equal(upstreamPathOf("/console/api/api/v1/nodes"), "/api/v1/nodes");
  assert.equal(upstreamPathOf("/console/app.js"), undefined);
  assert.equal(upstreamPathOf("/console/apix/v1"), undefined);
});

Deno.test("forwardedHeaders() passes the user's token and content types, never cookies or forwarding headers", () => {
  const out = forwardedHeaders(
    new Headers({
      authorization: "Bearer user-token",
      "content-type": "application/merge-patch+json",
      cookie: "session=1",
      "x-remote-user": "system:admin",
      "impersonate-user": "admin",
    }),
  );
  assert.deepEqual([...out.entries()], [
    ["authorization", "Bearer user-token"],
    ["content-type", "application/merge-patch+json"],
  ]);
});

Deno.test("apiProxy() sends the call with the user's token only, streams the answer back, and says 502 when the API server is down", async () => {
  const got: Array<
    { path: string; auth: string | null; impersonate: string | null; body: string }
  > = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    got.push({
      path: url.pathname + url.search,
      auth: req.headers.get("authorization"),
      impersonate: req.headers.get("impersonate-user"),
      body: await req.text(),
    });
    return new Response('{"kind":"Status","code":403,"message":"forbidden: it says so"}', {
      status: 403,
      headers: { "content-type": "application/json" },
    });
  });
  try {
    const proxy = apiProxy({ server: `http://127.0.0.1:${server.addr.port}` });
    const answer = await proxy(
      new Request("https://console.test/console/api/apis/x/v1/things?watch=1", {
        method: "PUT",
        headers: { authorization: "Bearer alice", "impersonate-user": "admin" },
        body: "{}",
      }),
    );
    assert.equal(answer.status, 403);
    assert.equal((await answer.json()).message, "forbidden: it says so");
    assert.deepEqual(got, [{
      path: "/apis/x/v1/things?watch=1",
      auth: "Bearer alice",
      impersonate: null,
      body: "{}",
    }]);
  } finally {
    await server.shutdown();
  }
  const down = await apiProxy({ server: "http://127.0.0.1:1" })(
    new Request("https://console.test/console/api/api/v1/nodes"),
  );
  assert.equal(down.status, 502);
  assert.match((await down.json()).message, /^Cannot reach the API server: /);
});
