/**
 * Idle cost: with N VMs running and nothing changing, the CPU time the agent (and the
 * controllers, the webhooks and libvirtd) spend over a window, as percent of one core. What
 * users feel as "the agent burns CPU while nothing happens" (KubeVirt #16437).
 */
import type { RestClient } from "../lib/kube/rest.ts";
import {
  pods,
  type Resource,
  virtualMachineInstances,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { runningPid } from "../stack/daemon.ts";
import type { StackPaths } from "../stack/paths.ts";
import { sleep } from "./pace.ts";
import { cpuSeconds } from "./proc.ts";
import { round } from "./stats.ts";

/** The processes measured besides the agent, by their stack names. */
export const IDLE_OTHERS = ["controllers", "webhooks", "libvirtd"] as const;

/** The agent's process: its own (`agent`), or the all-in-one process (`denovirt`) it runs in. */
export async function agentProcess(
  paths: StackPaths,
): Promise<{ pid: number; name: "agent" | "denovirt" } | undefined> {
  for (const name of ["agent", "denovirt"] as const) {
    const pid = await runningPid(paths, name);
    if (pid !== undefined) return { pid, name };
  }
  return undefined;
}

/** What one idle window measured. */
export interface IdleRun {
  vms: number;
  seconds: number;
  /** Which process the agent figure is of (`denovirt`: every role in one process). */
  agentProcess: "agent" | "denovirt" | "none";
  /** CPU seconds by process over the window; NaN for a process the stack does not run. */
  cpuS: Record<"agent" | typeof IDLE_OTHERS[number], number>;
  /** Changes to the namespace's VMs, VMIs and launcher pods during the window (writes). */
  changes: number;
  /** Seconds waited for the namespace to go quiet before the window; NaN if it never did. */
  quietAfterS: number;
}

export interface IdleOptions {
  /** Where the VMs run. */
  namespace: string;
  vms: number;
  seconds: number;
  /** The namespace must have had no change for this long before the window opens. */
  quietMs?: number;
  /** Give up waiting for quiet after this long (and measure anyway). */
  quietTimeoutMs?: number;
}

const WATCHED: Resource[] = [virtualMachines, virtualMachineInstances, pods];

/**
 * Counts the changes (watch events) to the namespace's VMs, VMIs and pods until `signal`
 * aborts; `last` is when the latest one came (performance.now()).
 */
function countChanges(rest: RestClient, namespace: string, signal: AbortSignal) {
  const seen = { count: 0, last: performance.now(), ready: Promise.resolve() };
  seen.ready = Promise.all(WATCHED.map(async (resource) => {
    const list = await rest.list(resource, { namespace, signal });
    void (async () => {
      while (!signal.aborted) {
        try {
          const events = rest.watch(resource, {
            namespace,
            signal,
            resourceVersion: list.metadata.resourceVersion,
          });
          for await (const event of events) {
            if (event.type === "BOOKMARK") continue;
            seen.count++;
            seen.last = performance.now();
          }
        } catch {
          // Watch again: the window's count is a floor then, and the report says how many.
        }
        if (!signal.aborted) await sleep(100);
      }
    })();
  })).then(() => {});
  return seen;
}

/**
 * Waits until the namespace's VMs, VMIs and pods stopped changing (the controllers and the
 * agent have nothing left to write), then reads each process's CPU time over the window.
 */
export async function measureIdle(
  rest: RestClient,
  paths: StackPaths,
  opts: IdleOptions,
  say: (line: string) => void,
): Promise<IdleRun> {
  const quietMs = opts.quietMs ?? 5_000;
  const stop = new AbortController();
  try {
    const changes = countChanges(rest, opts.namespace, stop.signal);
    await changes.ready;
    const began = performance.now();
    const deadline = began + (opts.quietTimeoutMs ?? 60_000);
    while (performance.now() - changes.last < quietMs && performance.now() < deadline) {
      await sleep(250);
    }
    const quiet = performance.now() - changes.last >= quietMs;
    const quietAfterS = quiet ? (performance.now() - began) / 1000 : NaN;
    say(
      `idle: ${opts.vms} VMs, ${quiet ? "quiet" : "still changing"}; measuring CPU for ` +
        `${opts.seconds} s`,
    );
    const agent = await agentProcess(paths);
    const pids: Record<string, number | undefined> = { agent: agent?.pid };
    for (const name of IDLE_OTHERS) pids[name] = await runningPid(paths, name);
    const before = await cpuOf(pids);
    const changesBefore = changes.count;
    const t0 = performance.now();
    await sleep(opts.seconds * 1000);
    const after = await cpuOf(pids);
    const seconds = (performance.now() - t0) / 1000;
    const cpuS = Object.fromEntries(
      Object.keys(pids).map((name) => [name, (after[name] ?? NaN) - (before[name] ?? NaN)]),
    ) as IdleRun["cpuS"];
    return {
      vms: opts.vms,
      seconds,
      agentProcess: agent?.name ?? "none",
      cpuS,
      changes: changes.count - changesBefore,
      quietAfterS,
    };
  } finally {
    stop.abort();
  }
}

async function cpuOf(pids: Record<string, number | undefined>): Promise<Record<string, number>> {
  const cpu: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    cpu[name] = pid === undefined ? NaN : await cpuSeconds(pid).catch(() => NaN);
  }
  return cpu;
}

/** The idle figures: CPU as percent of one core per process, and what the window saw. */
export function idleFigures(run: IdleRun) {
  const percent = (cpuS: number) => round((cpuS / run.seconds) * 100, 2);
  return {
    vms: run.vms,
    seconds: round(run.seconds, 1),
    agent_process: run.agentProcess,
    agent_cpu_percent: percent(run.cpuS.agent),
    controllers_cpu_percent: percent(run.cpuS.controllers),
    webhooks_cpu_percent: percent(run.cpuS.webhooks),
    libvirtd_cpu_percent: percent(run.cpuS.libvirtd),
    api_changes: run.changes,
    quiet_after_s: round(run.quietAfterS, 1),
  };
}

export type IdleFigures = ReturnType<typeof idleFigures>;
