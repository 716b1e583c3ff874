import assert from "node:assert/strict";
import { servingCertificate } from "../lib/http/testdata/self_signed.ts";
import type { Logger } from "../lib/log.ts";
import { Registry } from "../lib/metrics/registry.ts";
import { healthHandler, serveHealth } from "./health.ts";

const log: Logger = { info() {}, warn() {}, error() {}, debug() {}, with: () => log };

Deno.test("healthHandler() answers the probes, /metrics from the registry, and 404 elsewhere", async () => {
  const metrics = new Registry();
  metrics.gauge("kubevirt_workqueue_depth", "Depth.").set({ name: "vm" }, 3);
  let ready = false;
  const handle = healthHandler(log, { ready: () => ready, metrics });
  const get = async (path: string) => {
    const response = await handle(new Request(`http://x${path}`));
    return [response.status, await response.text()] as const;
  };
  assert.deepEqual(await get("/healthz"), [200, "ok\n"]);
  assert.equal((await get("/readyz"))[0], 503);
  ready = true;
  assert.deepEqual(await get("/readyz"), [200, "ok\n"]);
  assert.match((await get("/metrics"))[1], /^kubevirt_workqueue_depth\{name="vm"\} 3$/m);
  assert.equal((await get("/nope"))[0], 404);
  const bare = healthHandler(log, { ready: () => true });
  assert.equal((await bare(new Request("http://x/metrics"))).status, 404);
});

Deno.test("serveHealth() serves /metrics over HTTPS when given a certificate", async () => {
  const dir = await Deno.makeTempDir();
  const stop = new AbortController();
  try {
    const { ca, cert, key } = await servingCertificate(dir);
    const metrics = new Registry();
    metrics.counter("kubevirt_workqueue_retries_total", "Retries.").inc({ name: "vmi" });
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const server = await serveHealth(
      { port, tls: { cert, key }, signal: stop.signal, log },
      { ready: () => true, metrics },
    );
    const client = Deno.createHttpClient({ caCerts: [ca] });
    try {
      const response = await fetch(`https://127.0.0.1:${port}/metrics`, { client });
      assert.equal(response.status, 200);
      assert.match(await response.text(), /^kubevirt_workqueue_retries_total\{name="vmi"\} 1$/m);
    } finally {
      client.close();
      stop.abort();
      await server.finished;
    }
  } finally {
    stop.abort();
    await Deno.remove(dir, { recursive: true });
  }
});
