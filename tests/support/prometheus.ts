/**
 * A real Prometheus (Debian's `prometheus` package) for the length of a test: loopback only, a
 * config the test writes, its own storage directory, stopped and removed afterwards.
 */
import { commandOnPath } from "../../lib/which.ts";
import { freeLoopbackPort } from "../../stack/ports.ts";
import { eventually } from "./stack.ts";

/** The prometheus binary, or undefined when the package is not installed. */
export const PROMETHEUS = commandOnPath("prometheus");

/** One scrape job: where and how. */
export interface ScrapeJob {
  job: string;
  target: string;
  scheme: "http" | "https";
}

/** One series of an instant query. */
export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  /** An instant PromQL query's result. */
  query(promql: string): Promise<PromSeries[]>;
  /** Each job's target health (`up`, `down`, `unknown`) and last scrape error. */
  targets(): Promise<Array<{ job: string; health: string; lastError: string }>>;
}

/** Runs Prometheus scraping `jobs` every second while `fn` runs. */
export async function withPrometheus<T>(
  jobs: ScrapeJob[],
  fn: (prometheus: RunningPrometheus) => Promise<T>,
): Promise<T> {
  if (!PROMETHEUS) throw new Error("Prometheus is not installed: apt-get install prometheus");
  const dir = await Deno.makeTempDir({ prefix: "denovirt-prometheus-" });
  const port = freeLoopbackPort();
  // JSON is YAML: the config needs no YAML writer. Self-signed serving certificates of the
  // stack's CA: scrape as KubeVirt's ServiceMonitor does, without verifying.
  const config = {
    global: { scrape_interval: "1s", scrape_timeout: "1s" },
    scrape_configs: jobs.map((j) => ({
      job_name: j.job,
      scheme: j.scheme,
      tls_config: { insecure_skip_verify: true },
      static_configs: [{ targets: [j.target] }],
    })),
  };
  await Deno.writeTextFile(`${dir}/prometheus.yml`, JSON.stringify(config, null, 2));
  const child = new Deno.Command(PROMETHEUS, {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const api = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/${path}`);
    const body = await response.json();
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${JSON.stringify(body)}`);
    return body.data;
  };
  const prometheus: RunningPrometheus = {
    query: async (promql) =>
      (await api(`query?query=${encodeURIComponent(promql)}`)).result as PromSeries[],
    targets: async () =>
      ((await api("targets")).activeTargets as Array<Record<string, string>>).map((t) => ({
        job: t.scrapePool ?? "",
        health: t.health ?? "",
        lastError: t.lastError ?? "",
      })),
  };
  try {
    await eventually("Prometheus to answer", () => api("status/buildinfo"), 30_000);
    return await fn(prometheus);
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    const log = await stderr;
    if (log.trim()) console.log(`[prometheus] ${log.trim().split("\n").slice(-5).join("\n")}`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
