/**
 * `deno run -A bench/import_cost.ts [--runs=5] [MODULE...]`: what loading a module graph costs a
 * process. For each module (a path from the repository's root, or a bare name from deno.json's
 * imports), a fresh `deno run` imports it and prints its VmRSS; the table shows the median RSS,
 * its difference from an empty script, and the median wall time of the process, start to exit.
 * Importing a role's module starts nothing (mod.ts's rule), so this is the price of its imports.
 */
import { join } from "node:path";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";

const ROOT = new URL("..", import.meta.url).pathname;

/** The default list: the npm packages, the roles' entries and the agent's rarely used parts. */
const DEFAULT_MODULES = [
  "zod",
  "yaml",
  "hono",
  "ws",
  "@kubernetes/client-node",
  "api/mod.ts",
  "lib/kube/config.ts",
  "lib/controller_manager.ts",
  "cli/main.ts",
  "controllers/role.ts",
  "webhooks/role.ts",
  "agent/role.ts",
  "agent/agent.ts",
  "agent/console/server.ts",
  "agent/import/engine.ts",
  "agent/oci/mod.ts",
  "agent/images/pull_fetch.ts",
  "agent/import_child/child.ts",
];

/** One measured load: the process's VmRSS after the import, and its wall time. */
interface Load {
  rssKiB: number;
  seconds: number;
}

/** A fresh process importing `module` (undefined: nothing); its RSS once loaded, its wall time. */
async function load(module: string | undefined, dir: string): Promise<Load> {
  const specifier = module === undefined
    ? undefined
    : module.endsWith(".ts")
    ? new URL(module, `file://${ROOT}`).href
    : module;
  const script = join(dir, "load.ts");
  await Deno.writeTextFile(
    script,
    `${specifier ? `await import(${JSON.stringify(specifier)});\n` : ""}` +
      `const s = Deno.readTextFileSync("/proc/self/status");\n` +
      `console.log(/^VmRSS:\\s+(\\d+)/m.exec(s)[1]);\n`,
  );
  const began = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `--config=${join(ROOT, "deno.json")}`, script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - began) / 1000;
  if (!out.success) {
    throw new Error(`Cannot load ${module}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return { rssKiB: Number(new TextDecoder().decode(out.stdout).trim()), seconds };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { runs: { type: "string", default: "5" } },
    allowPositionals: true,
  });
  const runs = Number(values.runs);
  const modules = positionals.length > 0 ? positionals : DEFAULT_MODULES;
  const dir = await Deno.makeTempDir({ prefix: "denovirt-import-cost-" });
  try {
    const loadBefore = loadavg();
    // Once unmeasured: the module cache and the page cache are warm for every run.
    for (const module of [undefined, ...modules]) await load(module, dir);
    const rows: { what: string; rss: number; seconds: number }[] = [];
    for (const module of [undefined, ...modules]) {
      const loads: Load[] = [];
      for (let i = 0; i < runs; i++) loads.push(await load(module, dir));
      rows.push({
        what: module ?? "(empty script)",
        rss: median(loads.map((l) => l.rssKiB)) / 1024,
        seconds: median(loads.map((l) => l.seconds)),
      });
    }
    const floor = rows[0]!;
    const lines = [
      "| module | RSS (MiB) | RSS − empty (MiB) | wall s | wall − empty (s) |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...rows.map((r) =>
        `| ${r.what} | ${r.rss.toFixed(1)} | ${(r.rss - floor.rss).toFixed(1)} | ${
          r.seconds.toFixed(3)
        } | ${(r.seconds - floor.seconds).toFixed(3)} |`
      ),
      "",
      `- a fresh \`deno run -A\` per load, ${runs} runs each, medians; VmRSS read right after the import; Deno ${Deno.version.deno}`,
      `- load average before ${loadBefore.map((v) => v.toFixed(2)).join(", ")}, after ${
        loadavg().map((v) => v.toFixed(2)).join(", ")
      }`,
    ];
    console.log(lines.join("\n"));
    return 0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main());
