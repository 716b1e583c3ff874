/**
 * `deno run -A bench/import.ts [--size-gib=2] [--runs=3] [--keep-cache]`: the disk import's throughput beside
 * `curl -o /dev/null` and `qemu-img convert`, and its peak memory. Serves a raw, a raw.gz and a
 * qcow2 image (built once, half random data, a tenth compressible, the rest zeros) from this
 * process; runs each import in a child process under the agent's permission set, sampling its
 * VmHWM/VmRSS (and its subprocesses' VmRSS) every 100 ms. Writes `bench/results/import.md`.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { run, runChecked } from "../lib/exec.ts";
import { cpuSeconds } from "./proc.ts";

const MiB = 1024 * 1024;
const CACHE = "/tmp/denovirt-import-bench";
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
const sizeGiB = Number(values["size-gib"]);
if (!(sizeGiB > 0)) {
  throw new Error(`--size-gib must be a positive number, not ${values["size-gib"]}`);
}
const size = Math.round(sizeGiB * 1024) * MiB;
const stem = join(CACHE, `image-${size / MiB}m`);
const files = { raw: `${stem}.raw`, gz: `${stem}.raw.gz`, qcow2: `${stem}.qcow2` };
const work = join(CACHE, "work");

const say = (line: string) => console.error(`[import bench] ${line}`);

/** Half random MiBs, a tenth of compressible text, the rest zeros (holes), in a fixed order. */
async function buildRaw(path: string) {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const random = new Uint8Array(MiB);
  const text = new TextEncoder().encode("denovirt import bench: a line of compressible text\n");
  const compressible = new Uint8Array(MiB).map((_, i) => text[i % text.length]!);
  try {
    for (let mib = 0; mib < size / MiB; mib++) {
      const kind = (mib * 7919) % 10; // spread the kinds over the image
      if (kind < 5) {
        for (let at = 0; at < MiB; at += 65536) {
          crypto.getRandomValues(random.subarray(at, at + 65536));
        }
        await writeAt(file, random, mib * MiB);
      } else if (kind === 5) {
        await writeAt(file, compressible, mib * MiB);
      }
    }
    await file.truncate(size);
  } finally {
    file.close();
  }
}

async function writeAt(file: Deno.FsFile, bytes: Uint8Array, offset: number) {
  await file.seek(offset, Deno.SeekMode.Start);
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
}

async function ensureImages() {
  await Deno.mkdir(CACHE, { recursive: true });
  const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
  if (!(await exists(files.raw))) {
    say(`building a ${sizeGiB} GiB raw image`);
    await buildRaw(`${files.raw}.tmp`);
    await Deno.rename(`${files.raw}.tmp`, files.raw);
  }
  if (!(await exists(files.qcow2))) {
    say("converting it to qcow2");
    await runChecked("qemu-img", [
      "convert",
      "-f",
      "raw",
      "-O",
      "qcow2",
      files.raw,
      `${files.qcow2}.tmp`,
    ]);
    await Deno.rename(`${files.qcow2}.tmp`, files.qcow2);
  }
  if (!(await exists(files.gz))) {
    say("compressing it with gzip -1");
    await runChecked("sh", [
      "-c",
      'gzip -1 -c "$1" > "$2.tmp" && mv "$2.tmp" "$2"',
      "sh",
      files.raw,
      files.gz,
    ]);
  }
}

/** Serves the cached files by name, with Content-Length, streamed from disk. */
function serveCache(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = join(CACHE, new URL(req.url).pathname.slice(1));
    const file = await Deno.open(path).catch(() => undefined);
    if (!file) return new Response(null, { status: 404 });
    const { size } = await file.stat();
    return new Response(file.readable, { headers: { "content-length": String(size) } });
  });
}

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

async function timed(fn: () => Promise<unknown>): Promise<Sample> {
  const began = performance.now();
  await fn();
  return { seconds: (performance.now() - began) / 1000 };
}

const curl = (url: string) => timed(() => runChecked("curl", ["-sS", "-o", "/dev/null", url]));

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

async function convert(): Promise<Sample> {
  const target = join(work, "converted.raw");
  const args = ["convert", "-f", "qcow2", "-O", "raw", "-t", "none", files.qcow2, target];
  const sample = await timed(() => runChecked("qemu-img", args));
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
      for (const pid of await descendantsOf(child.pid)) tools += await statusKiB(pid, "VmRSS");
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

async function statusKiB(pid: number, field: string): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function descendantsOf(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // Gone.
    }
  }
  const found: number[] = [];
  const isBelow = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === root) return true;
    }
    return false;
  };
  for (const pid of parents.keys()) if (isBelow(pid)) found.push(pid);
  return found;
}

const mbps = (bytes: number, seconds: number) =>
  bytes === 0 ? "" : (bytes / 1e6 / seconds).toFixed(0);
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

async function conditions(sizes: { gz: number; qcow2: number }): Promise<string> {
  // "qemu-img version 7.2.22 (Debian ...)" -> "qemu-img 7.2.22"; "curl 7.88.1 (x86_64...) ..." likewise.
  const version = async (cmd: string) =>
    `${cmd} ${/\d+\.\d+(\.\d+)?/.exec((await run(cmd, ["--version"])).stdout)?.[0] ?? "?"}`;
  const memory = (await Deno.readTextFile("/proc/meminfo")).match(/^MemTotal:\s+(\d+)/m)?.[1];
  const gib = (Number(memory) / 1024 / 1024).toFixed(0);
  return [
    `- image: ${sizeGiB} GiB raw (50% random MiBs, 10% compressible text, 40% zeros); qcow2 ` +
    `${(sizes.qcow2 / MiB).toFixed(0)} MiB; raw.gz (gzip -1) ${(sizes.gz / MiB).toFixed(0)} MiB`,
    "- served by Deno.serve (in the bench's process) on 127.0.0.1 from files in the page cache; the import writes to the same disk",
    `- seconds: the median of ${runs} runs, each after a \`sync\`; runImport() is timed inside its child (no Deno startup)`,
    "- served MB/s: bytes over the wire (or read, for convert) per second; image MB/s: the image's size per second",
    "- runImport() ends with fsync of the image; `curl -o /dev/null` writes nothing, `curl -o file` writes every byte (zeros too); `qemu-img convert` runs as the import runs it",
    "- CPU s: user + system time of the import's Deno process, its startup included (not its subprocesses')",
    "- peak RSS: VmHWM of the import's Deno process (the kernel's high-water mark, read as the import ends); tools': the sum of its subprocesses' VmRSS (xz, qemu-img), sampled every 100 ms",
    `- ${navigator.hardwareConcurrency} CPUs, ${gib} GiB RAM, Deno ${Deno.version.deno}, ` +
    `${await version("qemu-img")}, ${await version("curl")}`,
  ].join("\n");
}

async function main() {
  await ensureImages();
  await Deno.mkdir(work, { recursive: true });
  const server = serveCache();
  const url = (file: string) =>
    `http://127.0.0.1:${server.addr.port}/${file.slice(CACHE.length + 1)}`;
  const sizes = {
    raw: size,
    gz: (await Deno.stat(files.gz)).size,
    qcow2: (await Deno.stat(files.qcow2)).size,
  };
  const rows: Row[] = [];
  const served = (bytes: number, imageBytes = size) => ({ servedBytes: bytes, imageBytes });
  try {
    // Once unmeasured, so that every run reads the files from the page cache.
    for (const file of Object.values(files)) await curl(url(file));
    say("curl");
    rows.push(
      await measure("`curl -o /dev/null` raw", served(sizes.raw), () => curl(url(files.raw))),
    );
    rows.push(
      await measure(
        "`curl -o /dev/null` qcow2",
        served(sizes.qcow2, sizes.qcow2),
        () => curl(url(files.qcow2)),
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
        convert,
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
    if (!values["keep-cache"]) await Deno.remove(CACHE, { recursive: true }).catch(() => {});
  }
  const report = `# Disk import: ${sizeGiB} GiB\n\n${table(rows)}\n\n${await conditions(sizes)}\n`;
  await Deno.writeTextFile(RESULTS, report);
  console.log(report);
}

await main();
