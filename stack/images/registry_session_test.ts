import assert from "node:assert/strict";
import { RegistrySession } from "./registry_session.ts";

/** A registry front that wants `expected` in Authorization, and a token realm beside it. */
function withServer(
  challenge: (origin: string) => string,
  expected: string,
  fn: (origin: string, seen: string[]) => Promise<void>,
) {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const auth = req.headers.get("authorization") ?? "-";
    seen.push(`${req.method} ${url.pathname}${url.search} ${auth}`);
    if (url.pathname === "/token") {
      if (auth !== `Basic ${btoa("u:p")}` && auth !== "-") return new Response("", { status: 401 });
      return Response.json({ token: auth === "-" ? "anon" : "t0k" });
    }
    if (auth === expected) return new Response("ok");
    return new Response("", {
      status: 401,
      headers: { "www-authenticate": challenge(url.origin) },
    });
  });
  return fn(`http://127.0.0.1:${server.addr.port}`, seen).finally(() => server.shutdown());
}

Deno.test("RegistrySession answers a Basic challenge with the credentials and keeps using them", async () => {
  await withServer(() => 'Basic realm="r"', `Basic ${btoa("u:p")}`, async (origin, seen) => {
    const session = new RegistrySession({
      url: origin,
      credentials: { username: "u", password: "p" },
    }, "a/b");
    assert.equal((await session.request("GET", "tags/list")).status, 200);
    assert.equal(await (await session.request("GET", "tags/list")).text(), "ok");
    assert.deepEqual(seen, [
      "GET /v2/a/b/tags/list -",
      `GET /v2/a/b/tags/list Basic ${btoa("u:p")}`,
      `GET /v2/a/b/tags/list Basic ${btoa("u:p")}`,
    ]);
  });
});

Deno.test("RegistrySession fetches a Bearer token for pull and push of its repository from the realm", async () => {
  await withServer(
    (origin) => `Bearer realm="${origin}/token",service="reg",scope="repository:a/b:pull"`,
    "Bearer t0k",
    async (origin, seen) => {
      const session = new RegistrySession({
        url: origin,
        credentials: { username: "u", password: "p" },
      }, "a/b");
      const response = await session.request("PUT", "manifests/v1", { body: () => "{}" });
      assert.equal(response.status, 200);
      await response.body?.cancel();
      assert.deepEqual(seen, [
        "PUT /v2/a/b/manifests/v1 -",
        `GET /token?service=reg&scope=repository%3Aa%2Fb%3Apull%2Cpush Basic ${btoa("u:p")}`,
        "PUT /v2/a/b/manifests/v1 Bearer t0k",
      ]);
    },
  );
});

Deno.test("RegistrySession hands the second 401 to the caller when its token does not do", async () => {
  await withServer(
    (origin) => `Bearer realm="${origin}/token",service="reg"`,
    "Bearer t0k",
    async (origin) => {
      const session = new RegistrySession({ url: origin }, "a/b");
      const response = await session.request("GET", "tags/list");
      await response.body?.cancel();
      assert.equal(response.status, 401);
    },
  );
});
