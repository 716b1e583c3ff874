/**
 * Where a VM's start goes, step by step: the bench's own clock at the create call and its
 * answer, its watches of the VMI and the launcher pod (exists, bound, Scheduled, Running), and
 * the agent's log (its pass, prepare, define, start, the Running status write). All times are
 * wall-clock milliseconds of this machine, so the bench's and the agent's clocks are one.
 */
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { pods } from "../lib/kube/resources.ts";
import { sleep } from "./pace.ts";
import { quantile, round } from "./stats.ts";

/** Wall-clock ms of a performance.now() reading. */
export const wallOf = (at: number): number => performance.timeOrigin + at;

/** One VM's moments (wall-clock ms); NaN where unknown. */
export interface StartMarks {
  created: number;
  answered: number;
  vmiExists: number;
  podExists: number;
  podBound: number;
  scheduled: number;
  /** The agent's pass that started the domain began (it observed the VMI). */
  agentPass: number;
  /** The agent began preparing (network, disks, XML), defining, starting; the domain ran. */
  prepare: number;
  define: number;
  start: number;
  started: number;
  statusWritten: number;
  running: number;
}

/** The steps, each between two marks, in order; named as the report's `breakdown_<step>_ms`. */
export const STEPS: Array<[step: string, from: keyof StartMarks, to: keyof StartMarks]> = [
  ["admission", "created", "answered"],
  ["vm_controller", "answered", "vmiExists"],
  ["pod_create", "vmiExists", "podExists"],
  ["scheduler_bind", "podExists", "podBound"],
  ["handover", "podBound", "scheduled"],
  ["agent_observe", "scheduled", "agentPass"],
  ["agent_finalizer", "agentPass", "prepare"],
  ["prepare", "prepare", "define"],
  ["define", "define", "start"],
  ["domain_start", "start", "started"],
  ["status_write", "started", "statusWritten"],
  ["watch_delivery", "statusWritten", "running"],
];

/** p50 of each step over the VMs (ms), and of the whole create → Running. */
export function breakdownOf(marks: StartMarks[]): Record<string, number> {
  const p50 = (xs: number[]) => round(quantile(xs.filter(Number.isFinite), 0.5), 1);
  const figures: Record<string, number> = {};
  for (const [step, from, to] of STEPS) figures[step] = p50(marks.map((m) => m[to] - m[from]));
  figures.total = p50(marks.map((m) => m.running - m.created));
  return figures;
}

/** The report's rows: each step's p50 from `figures` (`breakdown_<step>_ms`) and its marks. */
export function breakdownRows(figures: Record<string, unknown>): Array<[string, number, string]> {
  const ms = (step: string) => Number(figures[`breakdown_${step}_ms`] ?? NaN);
  return [
    ...STEPS.map((
      [step, from, to],
    ): [string, number, string] => [step, ms(step), `${from} → ${to}`]),
    ["total", ms("total"), "created → running"],
  ];
}

/** What the agent's log says of one VMI's start: from its "Domain started" and status lines. */
export interface AgentStartLog {
  agentPass: number;
  prepare: number;
  define: number;
  start: number;
  started: number;
  statusWritten: number;
}

/** The agent's start of each VMI of `namespace` (by VMI name), from its log's lines. */
export function agentStartsIn(logText: string, namespace: string): Map<string, AgentStartLog> {
  const starts = new Map<string, AgentStartLog>();
  const running = new Map<string, number>();
  for (const line of logText.split("\n")) {
    if (!line.startsWith("{")) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const at = Date.parse(String(entry.ts));
    if (entry.msg === "Domain started" && typeof entry.domain === "string") {
      const [ns, name] = entry.domain.split("_");
      if (ns !== namespace || !name || starts.has(name)) continue;
      const ms = (field: string) => typeof entry[field] === "number" ? entry[field] : NaN;
      const start = at - ms("startMs");
      const define = start - ms("defineMs");
      const prepare = define - ms("prepareMs");
      const agentPass = at - ms("passMs");
      starts.set(name, { agentPass, prepare, define, start, started: at, statusWritten: NaN });
    } else if (entry.msg === "VMI status written" && entry.phase === "Running") {
      const [ns, name] = String(entry.vmi).split("/");
      if (ns === namespace && name && !running.has(name)) running.set(name, at);
    }
  }
  for (const [name, at] of running) {
    const start = starts.get(name);
    if (start) start.statusWritten = at;
  }
  return starts;
}

/** When each launcher pod of a namespace first existed and was first bound, by its VMI's name. */
export interface PodWatch {
  exists: Map<string, number>;
  bound: Map<string, number>;
  ready: Promise<void>;
}

type PodLike = KubeObject & {
  spec?: { nodeName?: string };
  metadata?: { ownerReferences?: Array<{ kind?: string; name?: string }> };
};

/** Watches the namespace's pods (wall-clock ms of first sight) until `signal` aborts. */
export function watchLauncherPods(
  rest: RestClient,
  namespace: string,
  signal: AbortSignal,
): PodWatch {
  const watch: PodWatch = { exists: new Map(), bound: new Map(), ready: Promise.resolve() };
  let markReady = () => {};
  watch.ready = new Promise((resolve) => markReady = resolve);
  const note = (pod: PodLike) => {
    const vmi = pod.metadata?.ownerReferences?.find((r) => r.kind === "VirtualMachineInstance");
    if (!vmi?.name) return;
    const at = Date.now();
    if (!watch.exists.has(vmi.name)) watch.exists.set(vmi.name, at);
    if (pod.spec?.nodeName && !watch.bound.has(vmi.name)) watch.bound.set(vmi.name, at);
  };
  (async () => {
    while (!signal.aborted) {
      try {
        const list = await rest.list<PodLike>(pods, { namespace, signal });
        for (const pod of list.items) note(pod);
        markReady();
        const events = rest.watch<PodLike>(pods, {
          namespace,
          signal,
          resourceVersion: list.metadata.resourceVersion,
        });
        for await (const event of events) {
          if (event.type === "ADDED" || event.type === "MODIFIED") note(event.object);
        }
      } catch {
        // Watch again: a missed event makes a time later, never earlier.
      }
      if (!signal.aborted) await sleep(100);
    }
    markReady();
  })();
  return watch;
}
