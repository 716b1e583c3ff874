/**
 * `deno run -A bench/import_agent.ts [--size-gib=2] [--runs=1] [--keep-cache] [--out=FILE]`: the node agent's
 * imports end to end. Brings up a stack of its own in a temporary home, serves bench/import.ts's
 * raw, raw.gz and qcow2 images from this process and, for each, creates a DataVolume on
 * `denovirt-local-immediate`: create → `Succeeded` as the API shows it, with the agent process's
 * VmRSS sampled every 100 ms; beside `curl -o /dev/null` and `qemu-img convert` of the same
 * files. Writes `bench/results/import_agent.md` (or `--out`); always tears the stack down and
 * removes its home.
 */
import { join } from "node:path";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runChecked } from "../lib/exec.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { namespaces } from "../lib/kube/resources.ts";
import { rolePid } from "../stack/layout.ts";
import { down } from "../stack/down.ts";
import { up } from "../stack/up.ts";
import {
  convertQcow2,
  curlToNull,
  ensureImages,
  IMAGE_CACHE,
  imageSizeOf,
  serveCache,
  servedSizesOf,
  urlOf,
} from "./import_images.ts";
import {
  agentCommandLine,
  importConditions,
  importTable,
  type Row,
  type Sample,
} from "./import_report.ts";
import { importThroughAgent } from "./import_through_agent.ts";
import { pidsMatching } from "./proc.ts";
import { once } from "./once.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const WORK = join(IMAGE_CACHE, "work");

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "size-gib": { type: "string", default: "2" },
    runs: { type: "string", default: "1" },
    "keep-cache": { type: "boolean" },
    out: { type: "string", default: join(ROOT, "bench", "results", "import_agent.md") },
  },
});
const RESULTS = values.out;
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer`);
const size = imageSizeOf(values["size-gib"]);
const sizeGiB = size / 1024 ** 3;
/** The claim is exactly the image's size: "2Gi", or "1536Mi" for 1.5 GiB. */
const storageRequest = size % 1024 ** 3 === 0 ? `${sizeGiB}Gi` : `${size / 1024 ** 2}Mi`;

const began = performance.now();
const say = (line: string) =>
  console.error(`[import_agent +${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

/** `runs` runs of `fn`, each after a `sync` so that no run pays for the last one's dirty pages. */
async function measure(
  what: string,
  bytes: { servedBytes: number; imageBytes: number },
  fn: (run: number) => Promise<Sample>,
): Promise<Row> {
  const samples: Sample[] = [];
  for (let run = 0; run < runs; run++) {
    say(`${what}${runs > 1 ? ` (run ${run + 1})` : ""}`);
    await runChecked("sync", []);
    samples.push(await fn(run));
  }
  return { what, ...bytes, samples };
}

async function main(): Promise<number> {
  const otherStacks = (await pidsMatching("kube-apiserver", "--etcd-servers")).length;
  const files = await ensureImages(size, say);
  const served = await servedSizesOf(files);
  const home = await Deno.makeTempDir({ prefix: "denovirt-bench-import-" });
  const teardown = once(async () => {
    await down({ home, purge: true, say });
    await Deno.remove(WORK, { recursive: true }).catch(() => {});
    if (!values["keep-cache"]) await Deno.remove(IMAGE_CACHE, { recursive: true }).catch(() => {});
  });
  const onSignal = () => void teardown().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  // If `up` handles an interrupt itself (it stops what it started, then exits), the home goes.
  globalThis.addEventListener("unload", () => {
    if (!teardown.called) Deno.removeSync(home, { recursive: true });
  });
  const server = serveCache();
  const url = (file: string) => urlOf(server, file);
  let rest: RestClient | undefined;
  try {
    say(`Bringing up a stack in ${home}`);
    const stack = await up({ home, say, podNetwork: "if-free" });
    const agentPid = await rolePid(stack.paths, "agent");
    if (agentPid === undefined) {
      throw new Error("The stack does not run the agent (stack/roles.ts)");
    }
    rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
    const namespace = `bench-import-${crypto.randomUUID().slice(0, 6)}`;
    await rest.create(namespaces, { metadata: { name: namespace } });
    await Deno.mkdir(WORK, { recursive: true });
    const ctx = { rest, namespace, agentPid, size, say };
    say("A blank DataVolume to warm the fresh stack up (not counted)");
    const warmup = await importThroughAgent(ctx, "warmup", { blank: {} }, "16Mi");
    const loadBefore = loadavg();
    // Once unmeasured, so that every run reads the files from the page cache.
    for (const file of Object.values(files)) await curlToNull(url(file));
    const bytes = (servedBytes: number, imageBytes = servedBytes) => ({ servedBytes, imageBytes });
    const rows = [
      await measure("`curl -o /dev/null` raw", bytes(served.raw), () => curlToNull(url(files.raw))),
      await measure(
        "`curl -o /dev/null` qcow2",
        bytes(served.qcow2),
        () => curlToNull(url(files.qcow2)),
      ),
      await measure(
        "`qemu-img convert -f qcow2 -O raw -t none`, local qcow2",
        bytes(served.qcow2, size),
        () => convertQcow2(files.qcow2, WORK),
      ),
    ];
    for (
      const [kind, file, servedBytes] of [
        ["raw", files.raw, served.raw],
        ["raw.gz", files.gz, served.gz],
        ["qcow2", files.qcow2, served.qcow2],
      ] as const
    ) {
      const name = (run: number) => `import-${kind.replace(".", "-")}-${run}`;
      rows.push(
        await measure(
          `DataVolume ${kind} through the agent`,
          bytes(servedBytes, size),
          (run) => importThroughAgent(ctx, name(run), { http: { url: url(file) } }, storageRequest),
        ),
      );
    }
    const agent = await agentCommandLine(agentPid, home);
    const conditions = await importConditions(
      { size, runs, storageRequest, served },
      { loadBefore, otherStacks, agent, warmup, rows },
    );
    const report = `# Disk import through the agent: ${sizeGiB} GiB\n\n${
      importTable(rows)
    }\n\n${conditions}\n`;
    await Deno.writeTextFile(RESULTS, report);
    console.log(report);
    say(`Wrote ${RESULTS}`);
    return 0;
  } catch (error) {
    console.error(`[import_agent] Failed: ${(error as Error).stack ?? error}`);
    return 1;
  } finally {
    rest?.close();
    await server.shutdown();
    await teardown();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

if (import.meta.main) Deno.exit(await main());
