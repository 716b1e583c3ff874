/** From raw measurements to the reported figures: pure, so the rounding and naming are tested. */
import type { FloorRun } from "./libvirt_floor.ts";
import type { WebhookLoad } from "./webhook.ts";
import type { ScaleRun } from "./scale.ts";
import type { StartRun } from "./start_latency.ts";
import { quantile, round } from "./stats.ts";
import type { OverheadRun } from "./webhook_overhead.ts";
import type { ApiServerWebhookFigures } from "./webhook_apiserver_figures.ts";

const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
const p = (xs: number[], q: number, digits = 3) => round(quantile(finite(xs), q), digits);
const max = (xs: number[], digits = 3) => round(Math.max(...finite(xs)), digits);
const missing = (xs: number[]) => xs.length - finite(xs).length;

/** Start latency through the stack against the libvirt floor. */
export function startFigures(
  run: StartRun,
  floor: FloorRun,
  conditions: { intervalMs: number; memory: string; cpuRequest: string; firstStartS: number },
) {
  const ratio = (a: number, b: number) => round(a / b, 2);
  return {
    n: run.names.length,
    interval_ms: conditions.intervalMs,
    guest_memory: conditions.memory,
    cpu_request: conditions.cpuRequest,
    p50_s: p(run.runningS, 0.5),
    p95_s: p(run.runningS, 0.95),
    max_s: max(run.runningS),
    marker_p50_s: p(run.markerS, 0.5),
    marker_p95_s: p(run.markerS, 0.95),
    marker_max_s: max(run.markerS),
    libvirt_p50_s: p(floor.runningS, 0.5),
    libvirt_p95_s: p(floor.runningS, 0.95),
    libvirt_max_s: max(floor.runningS),
    libvirt_marker_p50_s: p(floor.markerS, 0.5),
    libvirt_marker_p95_s: p(floor.markerS, 0.95),
    libvirt_marker_max_s: max(floor.markerS),
    ratio_to_libvirt: ratio(
      quantile(finite(run.runningS), 0.5),
      quantile(finite(floor.runningS), 0.5),
    ),
    marker_ratio_to_libvirt: ratio(
      quantile(finite(run.markerS), 0.5),
      quantile(finite(floor.markerS), 0.5),
    ),
    vmi_created_p50_s: p(run.vmiCreatedS, 0.5),
    scheduled_p50_s: p(run.scheduledS, 0.5),
    never_running: missing(run.runningS),
    never_marker: missing(run.markerS),
    libvirt_never_marker: missing(floor.markerS),
    guest_panics: run.panicked,
    libvirt_guest_panics: floor.panicked,
    first_start_s: round(conditions.firstStartS, 3),
    ...breakdownFigures(run.breakdown),
    samples: {
      running_s: run.runningS.map((x) => round(x, 3)),
      marker_s: run.markerS.map((x) => round(x, 3)),
      libvirt_running_s: floor.runningS.map((x) => round(x, 3)),
      libvirt_marker_s: floor.markerS.map((x) => round(x, 3)),
    },
  };
}

/** The start's steps (start_breakdown.ts) as `breakdown_<step>_ms`. */
function breakdownFigures(
  breakdown: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(breakdown).map(([step, ms]) => [`breakdown_${step}_ms`, ms]),
  );
}

/** Admission latency at the webhook server, and what the webhooks add to creates. */
export function webhookFigures(
  { client: load, serverMs }: WebhookLoad,
  overhead: OverheadRun,
  conditions: { rate: number; seconds: number },
) {
  const withP50 = quantile(overhead.withWebhooksMs, 0.5);
  const withoutP50 = quantile(overhead.withoutWebhooksMs, 0.5);
  return {
    rate_per_s: conditions.rate,
    seconds: conditions.seconds,
    requests: load.sent,
    errors: load.errors,
    achieved_rate_per_s: round(load.sent / load.elapsedS, 1),
    p50_ms: p(load.latenciesMs, 0.5, 2),
    p99_ms: p(load.latenciesMs, 0.99, 2),
    max_ms: max(load.latenciesMs, 2),
    mutate_p50_ms: p(load.byTag.mutate ?? [], 0.5, 2),
    mutate_p99_ms: p(load.byTag.mutate ?? [], 0.99, 2),
    validate_p50_ms: p(load.byTag.validate ?? [], 0.5, 2),
    validate_p99_ms: p(load.byTag.validate ?? [], 0.99, 2),
    send_lag_p99_ms: p(load.sendLagMs, 0.99, 2),
    server_reviews: serverMs.length,
    server_p50_ms: p(serverMs, 0.5, 2),
    server_p99_ms: p(serverMs, 0.99, 2),
    api_creates: overhead.withWebhooksMs.length,
    api_with_webhooks_p50_ms: round(withP50, 2),
    api_with_webhooks_p99_ms: p(overhead.withWebhooksMs, 0.99, 2),
    api_without_webhooks_p50_ms: round(withoutP50, 2),
    api_without_webhooks_p99_ms: p(overhead.withoutWebhooksMs, 0.99, 2),
    api_added_p50_ms: round(withP50 - withoutP50, 2),
  };
}

/** The control-plane scale figures. */
export function scaleFigures(run: ScaleRun, fakeNodes: number) {
  return {
    vms: run.vms,
    fake_nodes: fakeNodes,
    scheduled: run.scheduled,
    create_errors: run.createErrors,
    seconds_to_all_scheduled: round(run.secondsToAllScheduled, 2),
    seconds_to_all_created: round(run.secondsToAllCreated, 2),
    scheduled_p50_s: p(run.scheduledS, 0.5),
    scheduled_p95_s: p(run.scheduledS, 0.95),
    vmi_created_p50_s: p(run.vmiCreatedS, 0.5),
    vmi_created_p95_s: p(run.vmiCreatedS, 0.95),
    controllers_rss_mib_before: round(run.controllersBefore.rssMiB, 1),
    controllers_rss_mib_after: round(run.controllersAfter.rssMiB, 1),
    controllers_cpu_seconds: round(
      run.controllersAfter.cpuSeconds - run.controllersBefore.cpuSeconds,
      2,
    ),
  };
}

export type StartFigures = ReturnType<typeof startFigures>;
export type WebhookFigures = ReturnType<typeof webhookFigures> & ApiServerWebhookFigures;
export type ScaleFigures = ReturnType<typeof scaleFigures>;
