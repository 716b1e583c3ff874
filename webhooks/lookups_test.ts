import assert from "node:assert/strict";
import { RestClient } from "../lib/kube/rest.ts";
import { apiServerLookups } from "./lookups.ts";

/** A throwaway API server answering `respond`, and a REST client pointed at it. */
async function withApiServer(
  respond: (path: string, signal: AbortSignal) => Response | Promise<Response>,
  fn: (kube: RestClient, paths: string[]) => Promise<void>,
): Promise<void> {
  const paths: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    paths.push(path);
    return respond(path, req.signal);
  });
  const kube = new RestClient({
    server: `http://127.0.0.1:${server.addr.port}`,
    authHeaders: () => ({}),
    close() {},
  });
  try {
    await fn(kube, paths);
  } finally {
    await server.shutdown();
  }
}

const status = (code: number, reason: string, message: string) =>
  Response.json({ kind: "Status", code, reason, message }, { status: code });

Deno.test("apiServerLookups() reads the VMI and the migrations of a namespace", async () => {
  const vmi = { metadata: { name: "web", namespace: "ns" }, status: { phase: "Running" } };
  const migration = { metadata: { name: "m1" }, spec: { vmiName: "web" } };
  await withApiServer(
    (path) => path.endsWith("/web") ? Response.json(vmi) : Response.json({ items: [migration] }),
    async (kube, paths) => {
      const lookups = apiServerLookups(kube);
      assert.deepEqual(await lookups.getVmi("ns", "web"), vmi);
      assert.deepEqual(await lookups.listMigrations("ns"), [migration]);
      assert.deepEqual(paths, [
        "/apis/kubevirt.io/v1/namespaces/ns/virtualmachineinstances/web",
        "/apis/kubevirt.io/v1/namespaces/ns/virtualmachineinstancemigrations",
      ]);
    },
  );
});

Deno.test("apiServerLookups() answers a 404 as no VMI and no migrations", async () => {
  await withApiServer(() => status(404, "NotFound", "not found"), async (kube) => {
    const lookups = apiServerLookups(kube);
    assert.equal(await lookups.getVmi("ns", "nope"), undefined);
    assert.deepEqual(await lookups.listMigrations("ns"), []);
  });
});

Deno.test("apiServerLookups() fails with the API server's message, or after its deadline", async () => {
  await withApiServer(() => status(403, "Forbidden", "cannot get"), async (kube) => {
    await assert.rejects(
      apiServerLookups(kube).getVmi("ns", "web"),
      /virtualmachineinstances\.kubevirt\.io ns\/web: 403 Forbidden: cannot get/,
    );
  });
  // The API server answers only once the client has given up.
  const hang = (_: string, signal: AbortSignal) =>
    new Promise<Response>((resolve) =>
      signal.addEventListener("abort", () => resolve(new Response(null, { status: 499 })))
    );
  await withApiServer(hang, async (kube) => {
    const started = Date.now();
    await assert.rejects(apiServerLookups(kube, 100).listMigrations("ns"));
    assert.ok(Date.now() - started < 2_000, "gave up long after its deadline");
  });
});
