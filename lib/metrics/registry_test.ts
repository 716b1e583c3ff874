import assert from "node:assert/strict";
import { metricsRoute } from "./http.ts";
import { Registry } from "./registry.ts";
import { versionInfoFamily } from "./version_info.ts";

Deno.test("Registry counters add per label set whatever the label order", async () => {
  const registry = new Registry();
  const adds = registry.counter("adds_total", "Adds.");
  adds.inc({ a: "1", b: "2" });
  adds.inc({ b: "2", a: "1" }, 2);
  adds.inc({ a: "x", b: "2" });
  assert.throws(() => adds.inc({}, -1), /cannot decrease/);
  assert.deepEqual(await registry.families(), [{
    name: "adds_total",
    help: "Adds.",
    type: "counter",
    samples: [{ labels: { a: "1", b: "2" }, value: 3 }, { labels: { a: "x", b: "2" }, value: 1 }],
  }]);
});

Deno.test("Gauge.add() drops a label set that returns to zero", async () => {
  const registry = new Registry();
  const open = registry.gauge("open", "Open.");
  open.add({ name: "a" }, 1);
  open.add({ name: "b" }, 1);
  open.add({ name: "a" }, -1);
  const [family] = await registry.families();
  assert.deepEqual(family?.samples, [{ labels: { name: "b" }, value: 1 }]);
});

Deno.test("Histogram.observe() counts cumulatively, with sum and count beyond the last bound", async () => {
  const registry = new Registry();
  const h = registry.histogram("lat_seconds", "Latency.", [0.1, 1]);
  for (const v of [0.05, 0.1, 0.5, 3]) h.observe({}, v);
  const [family] = await registry.families();
  assert.deepEqual(family?.samples, [{
    labels: {},
    buckets: [{ le: 0.1, count: 2 }, { le: 1, count: 3 }],
    sum: 3.65,
    count: 4,
  }]);
  assert.throws(() => registry.histogram("bad", "", [1, 1]), /must increase/);
  assert.throws(() => registry.gauge("lat_seconds", ""), /registered twice/);
});

Deno.test("Registry.render() leaves a failing collector out and reports it", async () => {
  const registry = new Registry();
  registry.collect(() => {
    throw new Error("libvirt is down");
  });
  registry.collect(
    () => [{ name: "up", help: "Up.", type: "gauge", samples: [{ labels: {}, value: 1 }] }],
  );
  const errors: unknown[] = [];
  const text = await registry.render((e) => errors.push(e));
  assert.equal(text, "# HELP up Up.\n# TYPE up gauge\nup 1\n");
  assert.equal(errors.length, 1);
});

Deno.test("metricsRoute() answers /metrics in the text format and passes other paths on", async () => {
  const registry = new Registry();
  registry.gauge("g", "G.").set({}, 2);
  const route = metricsRoute(registry);
  assert.equal(route(new Request("https://x/healthz")), undefined);
  const response = await route(new Request("https://x/metrics"))!;
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.equal(await response.text(), "# HELP g G.\n# TYPE g gauge\ng 2\n");
  const post = await route(new Request("https://x/metrics", { method: "POST" }))!;
  assert.equal(post.status, 405);
  await post.body?.cancel();
});

Deno.test("versionInfoFamily() reports the runtime and version as kubevirt_info's labels", () => {
  assert.deepEqual(versionInfoFamily("0.1.0", "deno2.9.6").samples, [
    { labels: { goversion: "deno2.9.6", kubeversion: "v0.1.0" }, value: 1 },
  ]);
});
