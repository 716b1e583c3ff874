/**
 * `deno task bench [--quick]`: brings up a stack of its own in a temporary home, measures start
 * latency (against the libvirt floor), footprint, admission latency and control-plane scale,
 * writes `<out>/<name>.json`, `<name>.md` and `<name>-start.svg`, and always tears the stack down.
 */
import { join } from "node:path";
import { loadavg } from "node:os";
import { type LibvirtConnection, openLibvirt } from "../agent/libvirt/mod.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { down } from "../stack/down.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { up } from "../stack/up.ts";
import { gatherConditions } from "./conditions.ts";
import { type BenchOptions, parseBenchOptions, USAGE } from "./options.ts";
import { type BenchResults, markdownReport, stableJson } from "./report.ts";
import { ensureBenchRoles } from "./roles.ts";
import { runParts } from "./parts.ts";
import { once } from "./once.ts";

const began = performance.now();
const say = (line: string) =>
  console.log(`[bench +${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let opts: BenchOptions;
  try {
    opts = parseBenchOptions(args);
  } catch (error) {
    console.error(`Error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const loadAtStart = loadavg();
  const home = await Deno.makeTempDir({ prefix: "denovirt-bench-" });
  const teardown = once(async () => {
    // DENOVIRT_BENCH_KEEP_LOGS=1 keeps the stack's logs as <out>/<name>-logs (for the timings).
    if (Deno.env.get("DENOVIRT_BENCH_KEEP_LOGS") === "1") {
      await new Deno.Command("cp", {
        args: ["-r", join(home, "log"), join(opts.out, `${opts.name}-logs`)],
      }).output().catch(() => {});
    }
    await down({ home, purge: true, say });
  });
  const onSignal = () => void teardown().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  // If `up` handles an interrupt itself (it stops what it started, then exits), the home goes.
  globalThis.addEventListener("unload", () => {
    if (!teardown.called) Deno.removeSync(home, { recursive: true });
  });
  const started = performance.now();
  let rest: RestClient | undefined;
  let libvirt: LibvirtConnection | undefined;
  try {
    const booting = opts.parts.includes("start") || opts.parts.includes("idle");
    const fixture = booting ? await ensureGuestFixture() : undefined;
    say(`Bringing up a stack in ${home}`);
    // Beside a stack that has the pod network (the test stack's), the bench's runs without.
    const stack = await up({ home, say, podNetwork: "if-free" });
    const rolesStarted = await ensureBenchRoles(stack, opts.startRoles, say);
    rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
    libvirt = await openLibvirt(stack.libvirtUri, { events: false });
    const conditions = await gatherConditions(stack, rolesStarted, loadAtStart);
    say(`Conditions: ${JSON.stringify(conditions)}`);
    const figures = await runParts({ stack, rest, libvirt, say, fixture }, opts);
    const results: BenchResults = {
      name: opts.name,
      mode: opts.mode,
      date: new Date().toISOString(),
      seconds: Math.round((performance.now() - started) / 1000),
      conditions,
      ...figures.results,
    };
    await writeResults(opts, results, figures.svg);
    return 0;
  } catch (error) {
    console.error(`[bench] Failed: ${(error as Error).stack ?? error}`);
    return 1;
  } finally {
    rest?.close();
    await libvirt?.close().catch(() => {});
    await teardown();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

async function writeResults(opts: BenchOptions, results: BenchResults, svg: string | undefined) {
  await Deno.mkdir(opts.out, { recursive: true });
  const svgFile = svg ? `${opts.name}-start.svg` : undefined;
  if (svg && svgFile) await Deno.writeTextFile(join(opts.out, svgFile), svg);
  const markdown = markdownReport(results, svgFile);
  await Deno.writeTextFile(join(opts.out, `${opts.name}.json`), stableJson(results));
  await Deno.writeTextFile(join(opts.out, `${opts.name}.md`), markdown);
  console.log(markdown);
  say(`Wrote ${join(opts.out, `${opts.name}.json`)} and ${opts.name}.md`);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
