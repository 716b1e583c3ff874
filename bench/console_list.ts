/**
 * How long the web console's VM list takes to show 100 VMs: a stack of its own (torn down
 * afterwards), 100 Halted VMs in one namespace, then in a headless Debian chromium per round: sign
 * in once, then reload the page (the token stays in the tab) and time from the reload to the list
 * showing every VM (page, scripts, list and watch through the console's proxy). Writes
 * `<out>/console-list.json`. Run under the suite lock:
 * `flock /tmp/denovirt-suite.lock deno run -A bench/console_list.ts [--vms=100] [--rounds=5] [--out=/tmp/x]`.
 */
import { join } from "node:path";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { namespaces, virtualMachines } from "../lib/kube/resources.ts";
import { consoleFile } from "../stack/console_file.ts";
import { down } from "../stack/down.ts";
import { up } from "../stack/up.ts";
import { CHROMIUM, CHROMIUM_FLAGS } from "../tests/support/chromium.ts";
import { quantile } from "./stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    vms: { type: "string", default: "100" },
    rounds: { type: "string", default: "5" },
    out: { type: "string", default: "/tmp/denovirt-console-bench" },
  },
});
const count = Number(values.vms);
const rounds = Number(values.rounds);
const say = (line: string) => console.log(`[console-list] ${line}`);

const home = await Deno.makeTempDir({ prefix: "denovirt-bench-console-" });
try {
  const stack = await up({ home, say, podNetwork: "if-free" });
  const { url, token } = JSON.parse(await Deno.readTextFile(consoleFile(stack.paths)));
  const rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
  const namespace = "bench-console";
  await rest.create(namespaces, { metadata: { name: namespace } });
  for (let i = 0; i < count; i++) {
    await rest.create(virtualMachines, {
      metadata: { name: `vm-${String(i).padStart(3, "0")}`, namespace },
      spec: {
        runStrategy: "Halted",
        template: { spec: { domain: { memory: { guest: "64Mi" }, devices: {} } } },
      },
    });
  }
  say(`Created ${count} VMs`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  const samples: number[] = [];
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${url}#/vms/${namespace}`);
    await page.fill("#token", token);
    await page.click("#signin button[type=submit]");
    const shown = `(${count})`;
    const listed = () =>
      page.waitForFunction(
        ([text, rows]) => {
          const doc = (globalThis as unknown as {
            document: {
              getElementById(id: string): { textContent: string | null } | null;
              querySelectorAll(s: string): { length: number };
            };
          }).document;
          return doc.getElementById("vm-count")?.textContent === text &&
            doc.querySelectorAll("#vms tbody tr").length === rows;
        },
        [shown, count] as const,
        { timeout: 60_000, polling: "raf" },
      );
    await listed();
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      await page.reload();
      await listed();
      samples.push(performance.now() - started);
      say(`round ${round + 1}: ${samples.at(-1)!.toFixed(0)} ms`);
    }
  } finally {
    await browser.close();
  }
  const result = {
    figure: `console VM list load with ${count} VMs (reload to all rows shown)`,
    vms: count,
    samplesMs: samples.map((s) => Math.round(s)),
    medianMs: Math.round(quantile(samples, 0.5)),
    maxMs: Math.round(Math.max(...samples)),
    loadavg: loadavg().map((l) => Number(l.toFixed(2))),
  };
  await Deno.mkdir(values.out!, { recursive: true });
  const file = join(values.out!, "console-list.json");
  await Deno.writeTextFile(file, JSON.stringify(result, null, 2) + "\n");
  say(`${result.figure}: median ${result.medianMs} ms, max ${result.maxMs} ms (${file})`);
} finally {
  await down({ home, purge: true, say });
}
