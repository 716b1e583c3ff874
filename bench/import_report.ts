/**
 * The report of bench/import_agent.ts: what one run measures, the table of the rows and the
 * conditions they were measured under.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { LOCAL_IMMEDIATE_STORAGE_CLASS } from "../api/mod.ts";
import { roleEntry } from "../stack/roles.ts";
import { imageCondition, type ImageFiles, mbps, toolVersion } from "./import_images.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** One measured run; the memory fields only for imports through the agent. */
export interface Sample {
  seconds: number;
  toInProgressS?: number;
  beforeMiB?: number;
  peakMiB?: number;
  /** VmRSS a few seconds after the volume is gone. */
  afterMiB?: number;
  hwmMiB?: number;
  toolsPeakMiB?: number;
  restarts?: number;
  /** Delete of the DataVolume → its PV gone. */
  freedS?: number;
  /** The Events about the DataVolume's claim (warnings with their message). */
  events?: string;
}

/** The runs of one way of fetching the image, with the bytes the MB/s columns divide. */
export interface Row {
  what: string;
  servedBytes: number;
  imageBytes: number;
  samples: Sample[];
}

const median = (values: number[]) =>
  values.length === 0
    ? undefined
    : [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const max = (values: number[]) => (values.length === 0 ? undefined : Math.max(...values));

/** The Markdown table of the rows: median times, largest memory peaks, restarts beside the name. */
export function importTable(rows: Row[]): string {
  const lines = [
    "| what | seconds | MB/s served | MB/s image | s to ImportInProgress | MB/s image from ImportInProgress | agent RSS before (MiB) | agent peak RSS (MiB) | peak − before (MiB) | agent VmHWM (MiB) | agent's subprocesses' peak RSS (MiB) | agent RSS after (MiB) | s delete → PV gone |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const fixed = (value: number | undefined, digits = 0) => value?.toFixed(digits) ?? "";
  for (const row of rows) {
    const of = (key: Exclude<keyof Sample, "events">) =>
      row.samples.flatMap((sample) => sample[key] ?? []);
    const seconds = median(of("seconds"))!;
    const restarts = max(of("restarts")) ?? 0;
    const importing = row.samples.flatMap((s) =>
      s.toInProgressS === undefined ? [] : [s.seconds - s.toInProgressS]
    );
    const importingS = median(importing);
    const growth = row.samples.flatMap((s) =>
      s.peakMiB === undefined || s.beforeMiB === undefined ? [] : [s.peakMiB - s.beforeMiB]
    );
    const cells = [
      row.what + (restarts > 0 ? ` (${restarts} restarts)` : ""),
      seconds.toFixed(2),
      mbps(row.servedBytes, seconds),
      mbps(row.imageBytes, seconds),
      fixed(median(of("toInProgressS")), 2),
      importingS === undefined ? "" : mbps(row.imageBytes, importingS),
      fixed(median(of("beforeMiB"))),
      fixed(max(of("peakMiB"))),
      fixed(max(growth)),
      fixed(max(of("hwmMiB"))),
      fixed(max(of("toolsPeakMiB"))),
      fixed(median(of("afterMiB"))),
      fixed(median(of("freedS")), 1),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** How the agent runs: its Deno flags and entry point, with the stack's home shortened. */
export async function agentCommandLine(pid: number, home: string): Promise<string> {
  const args = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0").filter((a) => a);
  const entry = args.indexOf(roleEntry());
  const flags = args.slice(1, entry < 0 ? args.length : entry).join(" ");
  const where = Deno.env.get("DENOVIRT_ENTRY")
    ? `the bundle \`${roleEntry()}\` ($DENOVIRT_ENTRY)`
    : "this checkout's `main.ts` (source, not the bundle: the stack's default)";
  return `\`deno ${flags.replaceAll(home, "<home>").replaceAll(ROOT, "")}\` from ${where}`;
}

/** The conditions' lines: the bench's settings, the machine, its load and the tools' versions. */
export async function importConditions(
  bench: {
    size: number;
    runs: number;
    storageRequest: string;
    served: Record<keyof ImageFiles, number>;
  },
  machine: {
    loadBefore: number[];
    otherStacks: number;
    agent: string;
    warmup: Sample;
    rows: Row[];
  },
): Promise<string> {
  const { size, runs, storageRequest, served } = bench;
  const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(", ");
  const shared = machine.otherStacks > 0
    ? `; shared: ${machine.otherStacks} other kube-apiserver(s) ran on the machine at the start`
    : "";
  const repeats = runs === 1 ? "one run" : `the median of ${runs} runs`;
  const cpu = `${cpus().length} CPUs (${cpus()[0]?.model?.trim() ?? "unknown"})`;
  const memory = `${Math.round(totalmem() / 2 ** 30)} GiB RAM`;
  const tools = `${await toolVersion("qemu-img")}, ${await toolVersion("curl")}`;
  const warmup = machine.warmup.seconds.toFixed(2);
  const warmupFreed = machine.warmup.freedS?.toFixed(1);
  const claimEvents = machine.rows
    .flatMap((row) =>
      row.samples.flatMap((sample) => sample.events ?? []).map((e) => `${row.what}: ${e}`)
    )
    .join("; ");
  return [
    imageCondition(size, served),
    "- served by Deno.serve in the bench's process on 127.0.0.1 from files in the page cache (each fetched once before); the volumes are on the same disk as the images",
    `- DataVolume on \`${LOCAL_IMMEDIATE_STORAGE_CLASS}\` requesting ${storageRequest}, \`source.http.url\`, no checksum; seconds: create → phase \`Succeeded\` as a watch of the API sees it (client clock): placement, provisioning, binding, download, conversion, fsync and status writes; s to ImportInProgress: create → that phase`,
    `- first, unmeasured, a blank 16Mi DataVolume on the fresh stack: ${warmup} s to \`Succeeded\` (its claim's events: ${machine.warmup.events}), its PV gone ${warmupFreed} s after its delete`,
    `- ${repeats} per row, each after a \`sync\`; after each import the DataVolume is deleted and the bench waits until the agent removed its PV and directory (s delete → PV gone, polled every 250 ms)`,
    "- MB/s served: bytes over the wire (or read, for convert) per second; MB/s image: the image's size per second; from ImportInProgress: the image's size per second from that phase to `Succeeded`",
    `- the claims' events: ${claimEvents}`,
    "- agent RSS before: VmRSS of the agent's process just before the create; peak: the largest VmRSS read every 100 ms until `Succeeded`; VmHWM: the kernel's high-water mark, reset (clear_refs 5) before the create and read at `Succeeded`; subprocesses': the sum of the agent's descendants' VmRSS (import children, qemu-img, xz), sampled with it; after: VmRSS 3 s after the volume is gone",
    `- the agent runs as the stack runs it: ${machine.agent}`,
    `- ${cpu}, ${memory}, kernel ${Deno.osRelease()}, Deno ${Deno.version.deno}, ${tools}`,
    `- load average (1, 5, 15 min) before the first measurement ${
      load(machine.loadBefore)
    }, at the end ${load(loadavg())}${shared}`,
  ].join("\n");
}
