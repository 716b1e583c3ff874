import assert from "node:assert/strict";
import { scaleFigures, startFigures, webhookFigures } from "./figures.ts";

Deno.test("startFigures() summarises finite samples, counts the missing and takes the p50 ratio", () => {
  const f = startFigures(
    {
      names: ["a", "b", "c", "d"],
      vmiCreatedS: [0.1, 0.1, 0.2, 0.2],
      scheduledS: [0.3, 0.3, 0.4, 0.4],
      runningS: [1, 2, 3, NaN],
      markerS: [5, 6, 7, 8],
      panicked: 0,
      vmis: [],
      breakdown: { admission: 12.5, total: 2000 },
    },
    { names: ["a", "b", "c", "d"], runningS: [1, 1, 2, 2], markerS: [4, 4, 4, NaN], panicked: 1 },
    { intervalMs: 100, memory: "96Mi", cpuRequest: "10m", firstStartS: 4.56789 },
  );
  assert.deepEqual([f.n, f.p50_s, f.p95_s, f.max_s], [4, 2, 3, 3]);
  assert.equal(f.libvirt_p50_s, 1);
  assert.equal(f.ratio_to_libvirt, 2);
  assert.equal(f.marker_ratio_to_libvirt, 1.5);
  assert.deepEqual([f.never_running, f.never_marker, f.libvirt_never_marker], [1, 0, 1]);
  assert.deepEqual([f.guest_panics, f.libvirt_guest_panics], [0, 1]);
  assert.equal(f.first_start_s, 4.568);
  assert.equal(f.samples.running_s.length, 4);
  // The steps are keys named after start_breakdown.ts's STEPS, not a fixed shape.
  const keys = f as unknown as Record<string, number>;
  assert.deepEqual([keys.breakdown_admission_ms, keys.breakdown_total_ms], [12.5, 2000]);
});

Deno.test("webhookFigures() splits endpoints and subtracts the creates without webhooks", () => {
  const f = webhookFigures(
    {
      client: {
        latenciesMs: [1, 2, 3, 4],
        byTag: { mutate: [1, 3], validate: [2, 4] },
        sendLagMs: [0, 0, 1, 1],
        errors: 0,
        errorSamples: [],
        sent: 4,
        elapsedS: 2,
      },
      serverMs: [0.5, 0.25],
    },
    { withWebhooksMs: [10, 12, 14], withoutWebhooksMs: [4, 5, 6] },
    { rate: 2, seconds: 2 },
  );
  assert.deepEqual([f.p50_ms, f.p99_ms, f.mutate_p50_ms, f.validate_p99_ms], [2, 4, 1, 4]);
  assert.equal(f.achieved_rate_per_s, 2);
  assert.deepEqual([f.server_reviews, f.server_p50_ms, f.server_p99_ms], [2, 0.25, 0.5]);
  assert.equal(f.api_added_p50_ms, 7);
});

Deno.test("scaleFigures() reports the controllers' CPU time as the difference", () => {
  const f = scaleFigures({
    vms: 2,
    scheduled: 2,
    secondsToAllScheduled: 3.456,
    secondsToAllCreated: 1,
    vmiCreatedS: [0.1, 0.2],
    scheduledS: [1, 2],
    createErrors: 0,
    controllersBefore: { rssMiB: 70, cpuSeconds: 10 },
    controllersAfter: { rssMiB: 80.04, cpuSeconds: 12.5 },
  }, 4);
  assert.equal(f.seconds_to_all_scheduled, 3.46);
  assert.equal(f.controllers_cpu_seconds, 2.5);
  assert.equal(f.controllers_rss_mib_after, 80);
  assert.equal(f.fake_nodes, 4);
});
