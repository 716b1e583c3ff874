/**
 * `deno run -A bench/import_agent.ts [--size-gib=2] [--runs=1] [--keep-cache]`: the node agent's
 * imports end to end. Brings up a stack of its own in a temporary home, serves bench/import.ts's
 * raw, raw.gz and qcow2 images from this process and, for each, creates a DataVolume on
 * `denovirt-local-immediate`: create → `Succeeded` as the API shows it, with the agent process's
 * VmRSS sampled every 100 ms; beside `curl -o /dev/null` and `qemu-img convert` of the same
 * files. Writes `bench/results/import_agent.md`; always tears the stack down and removes its home.
 */
import { join } from "node:path";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { LOCAL_IMMEDIATE_STORAGE_CLASS } from "../api/mod.ts";
import { runChecked } from "../lib/exec.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { RestClient } from "../lib/kube/rest.ts";
import {
  dataVolumes,
  events,
  namespaces,
  persistentVolumeClaims,
  persistentVolumes,
} from "../lib/kube/resources.ts";
import { runningPid } from "../stack/daemon.ts";
import { down } from "../stack/down.ts";
import { roleEntry } from "../stack/roles.ts";
import { up } from "../stack/up.ts";
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
  toolVersion,
  urlOf,
} from "./import_images.ts";
import { sleep } from "./pace.ts";
import { pidsMatching } from "./proc.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RESULTS = join(ROOT, "bench", "results", "import_agent.md");
const WORK = join(IMAGE_CACHE, "work");

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "size-gib": { type: "string", default: "2" },
    runs: { type: "string", default: "1" },
    "keep-cache": { type: "boolean" },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer`);
const size = imageSizeOf(values["size-gib"]);
const sizeGiB = size / 1024 ** 3;
/** The claim is exactly the image's size: "2Gi", or "1536Mi" for 1.5 GiB. */
const storageRequest = size % 1024 ** 3 === 0 ? `${sizeGiB}Gi` : `${size / 1024 ** 2}Mi`;

const began = performance.now();
const say = (line: string) =>
  console.error(`[import_agent +${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

/** One measured run; the memory fields only for imports through the agent. */
interface Sample {
  seconds: number;
  toInProgressS?: number;
  beforeMiB?: number;
  peakMiB?: number;
  hwmMiB?: number;
  toolsPeakMiB?: number;
  restarts?: number;
  /** Delete of the DataVolume → its PV gone. */
  freedS?: number;
  /** The Events about the DataVolume's claim (warnings with their message). */
  events?: string;
}

interface Row {
  what: string;
  servedBytes: number;
  imageBytes: number;
  samples: Sample[];
}

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

/** The agent's VmRSS (and its subprocesses') every 100 ms until `stop()`; `gone` aborts if it exits. */
function sampleAgent(pid: number) {
  const gone = new AbortController();
  let peak = 0;
  let toolsPeak = 0;
  let sampling = true;
  const done = (async () => {
    const start = performance.now();
    for (let tick = 1; sampling; tick++) {
      const rss = await statusKiB(pid, "VmRSS");
      if (rss === 0) return gone.abort(new Error(`The agent (pid ${pid}) exited`));
      peak = Math.max(peak, rss);
      let tools = 0;
      for (const child of descendantsOf(pid)) tools += await statusKiB(child, "VmRSS");
      toolsPeak = Math.max(toolsPeak, tools);
      await sleep(start + tick * 100 - performance.now());
    }
  })();
  return {
    gone: gone.signal,
    async stop() {
      sampling = false;
      await done;
      return { peakMiB: peak / 1024, toolsPeakMiB: toolsPeak / 1024 };
    },
  };
}

/** One DataVolume imported by the agent from `source`, timed, then deleted with its volume. */
async function importThroughAgent(
  ctx: { rest: RestClient; namespace: string; agentPid: number },
  name: string,
  source: { http: { url: string } } | { blank: Record<string, never> },
  storage = storageRequest,
): Promise<Sample> {
  const { rest, namespace, agentPid } = ctx;
  const beforeMiB = (await statusKiB(agentPid, "VmRSS")) / 1024;
  // Resets VmHWM to the current RSS (proc(5)), so that it catches peaks between samples too.
  const hwmReset = await Deno.writeTextFile(`/proc/${agentPid}/clear_refs`, "5")
    .then(() => true, () => false);
  const sampler = sampleAgent(agentPid);
  const timeout = AbortSignal.timeout(Math.max(600_000, (size / 2e6) * 1000));
  const created = performance.now();
  let phases: Phases | undefined;
  let memory: { peakMiB: number; toolsPeakMiB: number } | undefined;
  try {
    const dv = await rest.create(dataVolumes, {
      apiVersion: "cdi.kubevirt.io/v1beta1",
      kind: "DataVolume",
      metadata: { name, namespace },
      spec: {
        source,
        storage: {
          storageClassName: LOCAL_IMMEDIATE_STORAGE_CLASS,
          resources: { requests: { storage } },
        },
      },
    });
    phases = await untilSucceeded(rest, dv, AbortSignal.any([timeout, sampler.gone]));
  } finally {
    memory = await sampler.stop();
  }
  const hwmMiB = hwmReset ? (await statusKiB(agentPid, "VmHWM")) / 1024 : undefined;
  const timeline = [...phases.firstSeen].map(([phase, at]) =>
    `${phase} +${((at - created) / 1000).toFixed(2)} s`
  );
  const claimEvents = await claimEventReasons(rest, namespace, phases.dv.status?.claimName ?? name);
  const freed = await deleteAndWaitForVolume(rest, phases.dv);
  say(
    `${name}: ${timeline.join(", ")}; PV gone ${freed.toFixed(2)} s after the delete`,
  );
  const inProgress = phases.firstSeen.get("ImportInProgress");
  return {
    seconds: (phases.succeededAt - created) / 1000,
    ...(inProgress === undefined ? {} : { toInProgressS: (inProgress - created) / 1000 }),
    beforeMiB,
    ...memory,
    ...(hwmMiB === undefined ? {} : { hwmMiB: Math.max(hwmMiB, memory.peakMiB) }),
    restarts: phases.dv.status?.restartCount ?? 0,
    freedS: freed,
    events: claimEvents,
  };
}

const median = (values: number[]) =>
  values.length === 0
    ? undefined
    : [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const max = (values: number[]) => (values.length === 0 ? undefined : Math.max(...values));

function table(rows: Row[]): string {
  const lines = [
    "| what | seconds | MB/s served | MB/s image | s to ImportInProgress | MB/s image from ImportInProgress | agent RSS before (MiB) | agent peak RSS (MiB) | peak − before (MiB) | agent VmHWM (MiB) | agent's subprocesses' peak RSS (MiB) | s delete → PV gone |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
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
      fixed(median(of("freedS")), 1),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

type DataVolume = KubeObject & {
  status?: {
    phase?: string;
    progress?: string;
    claimName?: string;
    restartCount?: number;
    conditions?: Array<{ type: string; message?: string }>;
  };
};

/** When the watch first saw each phase (performance.now()), and the DataVolume as it succeeded. */
interface Phases {
  dv: DataVolume;
  firstSeen: Map<string, number>;
  succeededAt: number;
}

/** Watches `created` until its phase is Succeeded; throws if it fails, goes or `signal` aborts. */
async function untilSucceeded(
  rest: RestClient,
  created: DataVolume,
  signal: AbortSignal,
): Promise<Phases> {
  const namespace = created.metadata?.namespace;
  const name = created.metadata!.name!;
  const firstSeen = new Map<string, number>();
  let latest = created;
  const succeeded = (dv: DataVolume): boolean => {
    const at = performance.now();
    latest = dv;
    const phase = dv.status?.phase;
    if (phase && !firstSeen.has(phase)) firstSeen.set(phase, at);
    if (phase === "Failed") {
      const running = dv.status?.conditions?.find((c) => c.type === "Running");
      throw new Error(`Import of DataVolume ${name} failed: ${running?.message ?? "no message"}`);
    }
    return phase === "Succeeded";
  };
  let resourceVersion = created.metadata?.resourceVersion;
  try {
    for (let done = succeeded(created); !done;) {
      signal.throwIfAborted();
      if (resourceVersion === undefined) {
        const dv = await rest.get<DataVolume>(dataVolumes, { namespace, name }, signal);
        done = succeeded(dv);
        resourceVersion = dv.metadata?.resourceVersion;
        continue;
      }
      const events = rest.watch<DataVolume>(dataVolumes, {
        namespace,
        fieldSelector: `metadata.name=${name}`,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 60,
        signal,
      });
      for await (const event of events) {
        // An ERROR is a 410 Gone (or worse): read the object again and watch from there.
        if (event.type === "ERROR") {
          resourceVersion = undefined;
          break;
        }
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
        if (event.type === "DELETED") throw new Error(`DataVolume ${name} was deleted`);
        if (event.type !== "BOOKMARK" && (done = succeeded(event.object))) break;
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
    const { phase, progress } = latest.status ?? {};
    throw new Error(
      `DataVolume ${name} did not succeed (phase ${phase}, progress ${progress}): ` +
        `${(signal.reason as Error)?.message ?? signal.reason}`,
    );
  }
  return { dv: latest, firstSeen, succeededAt: firstSeen.get("Succeeded")! };
}

type Claim = KubeObject & { spec?: { volumeName?: string } };
type Volume = KubeObject & { spec?: { local?: { path: string } } };

/**
 * Deletes the DataVolume and waits until the agent removed its PV and directory (disk freed);
 * answers the seconds from the delete until the PV was gone.
 */
async function deleteAndWaitForVolume(rest: RestClient, dv: DataVolume): Promise<number> {
  const namespace = dv.metadata?.namespace;
  const name = dv.metadata!.name!;
  const claimRef = { namespace, name: dv.status?.claimName ?? name };
  const volumeName = (await rest.get<Claim>(persistentVolumeClaims, claimRef)).spec?.volumeName;
  if (!volumeName) throw new Error(`Claim of DataVolume ${name} is not bound after its import`);
  const volume = await rest.get<Volume>(persistentVolumes, { name: volumeName });
  const deleted = performance.now();
  await rest.delete(dataVolumes, { namespace, name }, { propagationPolicy: "Background" });
  for (;;) {
    const seconds = (performance.now() - deleted) / 1000;
    const gone = await rest.get(persistentVolumes, { name: volumeName }).then(() => false, (e) => {
      if (isNotFound(e)) return true;
      throw e;
    });
    if (gone) {
      const dir = volume.spec?.local?.path;
      if (dir && (await Deno.stat(dir).then(() => true, () => false))) {
        throw new Error(`PersistentVolume ${volumeName} is gone but its directory ${dir} is not`);
      }
      return seconds;
    }
    if (seconds > 180) throw new Error(`PersistentVolume ${volumeName} is there after 180 s`);
    await sleep(250);
  }
}

/**
 * The reasons of the Events about a claim, oldest first, repeats counted, with the message of
 * each warning: "WaitingForNode ×2 (no ready node ...), Provisioning, ...".
 */
async function claimEventReasons(rest: RestClient, namespace: string, claim: string) {
  type Event = KubeObject & {
    type?: string;
    reason?: string;
    message?: string;
    count?: number;
    firstTimestamp?: string;
  };
  const list = await rest.list<Event>(events, {
    namespace,
    fieldSelector: `involvedObject.kind=PersistentVolumeClaim,involvedObject.name=${claim}`,
  });
  const reasons = list.items
    .sort((a, b) => (a.firstTimestamp ?? "").localeCompare(b.firstTimestamp ?? ""))
    .map((e) =>
      `${e.reason}${(e.count ?? 1) > 1 ? ` ×${e.count}` : ""}` +
      (e.type === "Warning" ? ` ("${e.message}")` : "")
    );
  return reasons.join(", ") || "none";
}

/** How the agent runs: its Deno flags and entry point, with the stack's home shortened. */
async function agentCommandLine(pid: number, home: string): Promise<string> {
  const args = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0").filter((a) => a);
  const entry = args.indexOf(roleEntry());
  const flags = args.slice(1, entry < 0 ? args.length : entry).join(" ");
  const where = Deno.env.get("DENOVIRT_ENTRY")
    ? `the bundle \`${roleEntry()}\` ($DENOVIRT_ENTRY)`
    : "this checkout's `main.ts` (source, not the bundle: the stack's default)";
  return `\`deno ${flags.replaceAll(home, "<home>").replaceAll(ROOT, "")}\` from ${where}`;
}

async function conditions(
  served: Awaited<ReturnType<typeof servedSizesOf>>,
  machine: {
    loadBefore: number[];
    otherStacks: number;
    agent: string;
    warmup: Sample;
    rows: Row[];
  },
): Promise<string> {
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
    "- agent RSS before: VmRSS of the agent's process just before the create; peak: the largest VmRSS read every 100 ms until `Succeeded`; VmHWM: the kernel's high-water mark, reset (clear_refs 5) before the create and read at `Succeeded`; subprocesses': the sum of the agent's descendants' VmRSS (qemu-img, xz), sampled with it",
    `- the agent runs as the stack runs it: ${machine.agent}`,
    `- ${cpu}, ${memory}, kernel ${Deno.osRelease()}, Deno ${Deno.version.deno}, ${tools}`,
    `- load average (1, 5, 15 min) before the first measurement ${
      load(machine.loadBefore)
    }, at the end ${load(loadavg())}${shared}`,
  ].join("\n");
}

/** `fn`, run at most once; later calls get the first call's promise. */
function once(fn: () => Promise<void>): (() => Promise<void>) & { called: boolean } {
  let running: Promise<void> | undefined;
  const wrapped = Object.assign(() => {
    wrapped.called = true;
    return (running ??= fn());
  }, { called: false });
  return wrapped;
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
    const stack = await up({ home, say });
    const agentPid = await runningPid(stack.paths, "agent");
    if (agentPid === undefined) throw new Error("The stack does not run the agent (cli/roles.ts)");
    rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
    const namespace = `bench-import-${crypto.randomUUID().slice(0, 6)}`;
    await rest.create(namespaces, { metadata: { name: namespace } });
    await Deno.mkdir(WORK, { recursive: true });
    const ctx = { rest, namespace, agentPid };
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
          (run) => importThroughAgent(ctx, name(run), { http: { url: url(file) } }),
        ),
      );
    }
    const agent = await agentCommandLine(agentPid, home);
    const report = `# Disk import through the agent: ${sizeGiB} GiB\n\n${table(rows)}\n\n` +
      `${await conditions(served, { loadBefore, otherStacks, agent, warmup, rows })}\n`;
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
