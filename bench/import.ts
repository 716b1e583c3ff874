/**
 * `deno run -A bench/import.ts [--size-gib=2] [--runs=3] [--keep-cache]`: the disk import's throughput beside
 * `curl -o /dev/null` and `qemu-img convert`, and its peak memory. Serves a raw, a raw.gz and a
 * qcow2 image (built once, half random data, a tenth compressible, the rest zeros) from this
 * process; runs each import in a child process under the agent's permission set, sampling its
 * VmHWM/VmRSS (and its subprocesses' VmRSS) every 100 ms. Writes `bench/results/import.md`.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runChecked } from "../lib/exec.ts";
import {
  convertQcow2,
  curlToNull,
  descendantsOf,
  ensureImages,
  IMAGE_CACHE,
  imageCondition,
  imageSizeOf,
  mbps,
  serveCache,
  servedSizesOf,
  statusKiB,
  timed,
  toolVersion,
  urlOf,
} from "./import_images.ts";
import { cpuSeconds } from "./proc.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RESULTS = join(ROOT, "bench", "results", "import.md");

interface Row extends Sample {
  what: string;
  /** Bytes read from the network or the source file. */
  servedBytes: number;
  /** Bytes of the image (virtual size). */
  imageBytes: number;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "size-gib": { type: "string", default: "2" },
    runs: { type: "string", default: "3" },
    "keep-cache": { type: "boolean" },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer`);
const size = imageSizeOf(values["size-gib"]);
const sizeGiB = size / 1024 ** 3;
const work = join(IMAGE_CACHE, "work");

const say = (line: string) => console.error(`[import bench] ${line}`);

interface Sample {
  seconds: number;
  /** User + system CPU of the import's process (startup included). */
  cpuSeconds?: number;
  peakRssMiB?: number;
  toolsPeakRssMiB?: number;
}

/** `runs` runs of `fn`, each after a `sync` (no dirty pages of the last run): median time, max peaks. */
async function measure(
  what: string,
  bytes: { servedBytes: number; imageBytes: number },
  fn: () => Promise<Sample>,
): Promise<Row> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    await runChecked("sync", []);
    samples.push(await fn());
  }
  const median = (values: number[]) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)];
  const pick = (key: keyof Sample, reduce: (values: number[]) => number | undefined) => {
    const values = samples.flatMap((sample) => sample[key] ?? []);
    return values.length > 0 ? { [key]: reduce(values) } : {};
  };
  return {
    what,
    ...bytes,
    seconds: median(samples.map((sample) => sample.seconds))!,
    ...pick("cpuSeconds", median),
    ...pick("peakRssMiB", (values) => Math.max(...values)),
    ...pick("toolsPeakRssMiB", (values) => Math.max(...values)),
  };
}

/** curl into a file, then its fsync: what a plain download to disk costs (not sparse). */
async function curlToFile(url: string): Promise<Sample> {
  const target = join(work, "curl.out");
  const sample = await timed(async () => {
    await runChecked("curl", ["-sS", "-o", target, url]);
    await runChecked("sync", [target]);
  });
  await Deno.remove(target);
  return sample;
}

/** runImport() in a child under the agent's permission set, its memory sampled every 100 ms. */
async function importInChild(request: Record<string, unknown>): Promise<Sample> {
  const targetDir = join(work, "volume");
  await Deno.mkdir(targetDir, { recursive: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--config=${join(ROOT, "deno.json")}`,
      "-P=agent",
      `--allow-write=${work}`,
      join(ROOT, "bench", "import_child.ts"),
      JSON.stringify({ targetDir, capacityBytes: size, ...request }),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let peak = 0;
  let toolsPeak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await statusKiB(child.pid, "VmHWM"));
      let tools = 0;
      for (const pid of descendantsOf(child.pid)) tools += await statusKiB(pid, "VmRSS");
      toolsPeak = Math.max(toolsPeak, tools);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  // The child prints its result and waits: its VmHWM is read while it still exists.
  const line = await firstLine(child.stdout);
  peak = Math.max(peak, await statusKiB(child.pid, "VmHWM"));
  const cpu = await cpuSeconds(child.pid).catch(() => undefined);
  await child.stdin.close();
  const status = await child.status;
  sampling = false;
  await sampler;
  await Deno.remove(targetDir, { recursive: true });
  if (!status.success || !line) throw new Error(`Import failed: ${(await stderr).trim()}`);
  await stderr;
  const { seconds } = JSON.parse(line);
  return {
    seconds,
    peakRssMiB: peak / 1024,
    toolsPeakRssMiB: toolsPeak / 1024,
    ...(cpu === undefined ? {} : { cpuSeconds: cpu }),
  };
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string | undefined> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes("\n")) break;
  }
  return text.split("\n")[0] || undefined;
}

const mib = (value: number | undefined) => (value === undefined ? "" : value.toFixed(0));

function table(rows: Row[]): string {
  const lines = [
    "| what | seconds | served MB/s | image MB/s | CPU s | peak RSS (MiB) | tools' peak RSS (MiB) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    const cells = [
      row.what,
      row.seconds.toFixed(2),
      mbps(row.servedBytes, row.seconds),
      mbps(row.imageBytes, row.seconds),
      row.cpuSeconds?.toFixed(2) ?? "",
      mib(row.peakRssMiB),
      mib(row.toolsPeakRssMiB),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

async function conditions(sizes: Awaited<ReturnType<typeof servedSizesOf>>): Promise<string> {
  const memory = (await Deno.readTextFile("/proc/meminfo")).match(/^MemTotal:\s+(\d+)/m)?.[1];
  const gib = (Number(memory) / 1024 / 1024).toFixed(0);
  return [
    imageCondition(size, sizes),
    "- served by Deno.serve (in the bench's process) on 127.0.0.1 from files in the page cache; the import writes to the same disk",
    `- seconds: the median of ${runs} runs, each after a \`sync\`; runImport() is timed inside its child (no Deno startup)`,
    "- served MB/s: bytes over the wire (or read, for convert) per second; image MB/s: the image's size per second",
    "- runImport() ends with fsync of the image; `curl -o /dev/null` writes nothing, `curl -o file` writes every byte (zeros too); `qemu-img convert` runs as the import runs it",
    "- CPU s: user + system time of the import's Deno process, its startup included (not its subprocesses')",
    "- peak RSS: VmHWM of the import's Deno process (the kernel's high-water mark, read as the import ends); tools': the sum of its subprocesses' VmRSS (xz, qemu-img), sampled every 100 ms",
    `- ${navigator.hardwareConcurrency} CPUs, ${gib} GiB RAM, Deno ${Deno.version.deno}, ` +
    `${await toolVersion("qemu-img")}, ${await toolVersion("curl")}`,
  ].join("\n");
}

async function main() {
  const files = await ensureImages(size, say);
  await Deno.mkdir(work, { recursive: true });
  const server = serveCache();
  const url = (file: string) => urlOf(server, file);
  const sizes = await servedSizesOf(files);
  const rows: Row[] = [];
  const served = (bytes: number, imageBytes = size) => ({ servedBytes: bytes, imageBytes });
  try {
    // Once unmeasured, so that every run reads the files from the page cache.
    for (const file of Object.values(files)) await curlToNull(url(file));
    say("curl");
    rows.push(
      await measure("`curl -o /dev/null` raw", served(sizes.raw), () => curlToNull(url(files.raw))),
    );
    rows.push(
      await measure(
        "`curl -o /dev/null` qcow2",
        served(sizes.qcow2, sizes.qcow2),
        () => curlToNull(url(files.qcow2)),
      ),
    );
    rows.push(
      await measure(
        "`curl -o file && sync file` raw",
        served(sizes.raw),
        () => curlToFile(url(files.raw)),
      ),
    );
    say("qemu-img convert");
    rows.push(
      await measure(
        "`qemu-img convert -f qcow2 -O raw -t none`, local qcow2",
        served(sizes.qcow2),
        () => convertQcow2(files.qcow2, work),
      ),
    );
    for (
      const [kind, file, bytes] of [
        ["raw", files.raw, sizes.raw],
        ["raw.gz", files.gz, sizes.gz],
        ["qcow2", files.qcow2, sizes.qcow2],
      ] as const
    ) {
      say(`runImport() ${kind}`);
      rows.push(
        await measure(
          `runImport() ${kind}`,
          served(bytes),
          () => importInChild({ kind: "http", url: url(file) }),
        ),
      );
    }
    say("the child's floor");
    rows.push(
      await measure(
        "runImport() blank (the child's floor)",
        served(0, 0),
        () => importInChild({ kind: "blank" }),
      ),
    );
  } finally {
    await server.shutdown();
    await Deno.remove(work, { recursive: true }).catch(() => {});
    if (!values["keep-cache"]) await Deno.remove(IMAGE_CACHE, { recursive: true }).catch(() => {});
  }
  const report = `# Disk import: ${sizeGiB} GiB\n\n${table(rows)}\n\n${await conditions(sizes)}\n`;
  await Deno.writeTextFile(RESULTS, report);
  console.log(report);
}

await main();
