/**
 * Start latency through the API server, KubeVirt's perf-scale way: N VMs created `intervalMs`
 * apart; each one's time from create to its VMI's first `Running`, and to its guest's marker in
 * the serial log. Then the VMs are deleted and the bench waits until their domains are gone.
 */
import { join } from "node:path";
import type { VirtualMachineInstance } from "../api/mod.ts";
import type { LibvirtConnection } from "../agent/libvirt/mod.ts";
import { vmiRunPathsFor } from "../agent/domain/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { namespaces, virtualMachineInstances, virtualMachines } from "../lib/kube/resources.ts";
import { STACK_NODE_NAME } from "../stack/pod_network.ts";
import { logFile } from "../stack/daemon.ts";
import { hostDiskDir } from "../stack/roles.ts";
import type { RunningStack } from "../stack/up.ts";
import { copyDisks, removeFiles } from "./disks.ts";
import { agentProcess } from "./idle.ts";
import { atPace, pollUntil } from "./pace.ts";
import { watchPhases } from "./phase_watch.ts";
import { MarkerTail, watchMarkers } from "./serial_marker.ts";
import {
  agentStartsIn,
  breakdownOf,
  type StartMarks,
  wallOf,
  watchLauncherPods,
} from "./start_breakdown.ts";
import { benchVm } from "./vm_manifest.ts";

export type Vmi = VirtualMachineInstance & KubeObject;

export interface StartContext {
  stack: RunningStack;
  rest: RestClient;
  libvirt: LibvirtConnection;
  say: (line: string) => void;
  /** The guest fixture's raw disk and the line its guest prints once booted. */
  diskRaw: string;
  marker: string;
}

export interface StartOptions {
  n: number;
  intervalMs: number;
  memory: string;
  /** The VMs' CPU request: small, so that N of them fit one node of few CPUs. */
  cpuRequest: string;
  timeoutMs: number;
  namespace: string;
  /** Wait for the guests' markers too (default true). */
  untilMarkers?: boolean;
  /** Called once every guest has printed its marker (or the wait timed out), VMs still running. */
  atPeak?: () => Promise<void>;
}

/** Seconds per VM, in creation order; NaN where the VM never got there. */
export interface StartRun {
  names: string[];
  /** Create -> the VMI exists, and -> it is Scheduled: where the time to Running goes. */
  vmiCreatedS: number[];
  scheduledS: number[];
  runningS: number[];
  markerS: number[];
  /** Guests whose kernel panicked before the marker (TCG starved of CPU, typically). */
  panicked: number;
  /** The VMIs as the stack made them (defaulted, with uids), for the libvirt floor. */
  vmis: Vmi[];
  /** p50 ms of each step from create to Running (start_breakdown.ts). */
  breakdown: Record<string, number>;
}

/** The agent's run dir for VMIs (its default, `<data-dir>/run`). */
export function agentRunDir(stack: RunningStack): string {
  return join(stack.paths.data, "run");
}

/** The serial log the agent gives a VMI. */
export function serialLogOf(stack: RunningStack, namespace: string, name: string): string {
  const vmi = { metadata: { namespace, name }, spec: { domain: { devices: {} } } } as Vmi;
  const node = { name: STACK_NODE_NAME, kvm: stack.kvm, runDir: agentRunDir(stack) };
  return vmiRunPathsFor(vmi, node).serialLog;
}

/** Creates, times and removes N VMs. */
export async function startThroughApi(ctx: StartContext, opts: StartOptions): Promise<StartRun> {
  const { rest, say, stack } = ctx;
  const { namespace } = opts;
  const names = Array.from({ length: opts.n }, (_, i) => `vm-${i}`);
  const disks = await copyDisks(ctx.diskRaw, hostDiskDir(stack.paths), names);
  await rest.create(namespaces, { metadata: { name: namespace } });
  const stop = new AbortController();
  const phases = watchPhases(rest, namespace, stop.signal);
  const launchers = watchLauncherPods(rest, namespace, stop.signal);
  const running = phases.seen.Running;
  const markers = new Map<string, number>();
  const tails = new Map(
    names.map((n) => [n, new MarkerTail(serialLogOf(stack, namespace, n), ctx.marker)]),
  );
  const polling = watchMarkers(tails, markers, stop.signal);
  const createdAt = new Map<string, number>();
  const answeredAt = new Map<string, number>();
  try {
    await Promise.all([phases.ready, launchers.ready]);
    say(`start: creating ${opts.n} VMs ${opts.intervalMs} ms apart`);
    const created = await atPace(opts.n, opts.intervalMs, async (i) => {
      const name = names[i]!;
      const vm = benchVm(name, {
        memory: opts.memory,
        cpuRequest: opts.cpuRequest,
        diskPath: disks.get(name)!,
      });
      createdAt.set(name, performance.now());
      await rest.create(virtualMachines, vm, { namespace });
      answeredAt.set(name, performance.now());
    });
    const failed = created.filter((r) => r.status === "rejected");
    if (failed.length === opts.n) throw (failed[0] as PromiseRejectedResult).reason;
    const all = await pollUntil(
      () =>
        names.every((n) =>
          running.has(n) &&
          (markers.has(n) || tails.get(n)!.panicked || opts.untilMarkers === false)
        ),
      opts.timeoutMs,
    );
    say(
      `start: ${running.size}/${opts.n} Running, ${markers.size}/${opts.n} markers` +
        panicNote(tails.values()) +
        (all ? "" : ` (gave up after ${opts.timeoutMs / 1000} s)`),
    );
    await opts.atPeak?.();
    const vmis = (await rest.list<Vmi>(virtualMachineInstances, { namespace })).items;
    const since = (seen: Map<string, number>) =>
      names.map((n) => ((seen.get(n) ?? NaN) - (createdAt.get(n) ?? NaN)) / 1000);
    return {
      names,
      vmiCreatedS: since(phases.seen.Created),
      scheduledS: since(phases.seen.Scheduled),
      runningS: since(running),
      markerS: since(markers),
      panicked: [...tails.values()].filter((t) => t.panicked).length,
      vmis,
      breakdown: await breakdownFor(stack, namespace, names, {
        created: createdAt,
        answered: answeredAt,
        vmiExists: phases.seen.Created,
        scheduled: phases.seen.Scheduled,
        running,
      }, launchers),
    };
  } finally {
    stop.abort();
    await polling;
    await removeVms(ctx, namespace);
    await removeFiles(disks.values());
  }
}

/** The p50 breakdown of the VMs' starts, from the bench's clock (performance.now()) and the agent's log. */
async function breakdownFor(
  stack: RunningStack,
  namespace: string,
  names: string[],
  seen: Record<"created" | "answered" | "vmiExists" | "scheduled" | "running", Map<string, number>>,
  launchers: { exists: Map<string, number>; bound: Map<string, number> },
): Promise<Record<string, number>> {
  const agent = await agentProcess(stack.paths);
  const log = await Deno.readTextFile(logFile(stack.paths, agent?.name ?? "agent")).catch(() => "");
  const starts = agentStartsIn(log, namespace);
  const marks = names.map((name): StartMarks => {
    const at = (m: Map<string, number>) => wallOf(m.get(name) ?? NaN);
    const agentSide = starts.get(name);
    return {
      created: at(seen.created),
      answered: at(seen.answered),
      vmiExists: at(seen.vmiExists),
      podExists: launchers.exists.get(name) ?? NaN,
      podBound: launchers.bound.get(name) ?? NaN,
      scheduled: at(seen.scheduled),
      agentPass: agentSide?.agentPass ?? NaN,
      prepare: agentSide?.prepare ?? NaN,
      define: agentSide?.define ?? NaN,
      start: agentSide?.start ?? NaN,
      started: agentSide?.started ?? NaN,
      statusWritten: agentSide?.statusWritten ?? NaN,
      running: at(seen.running),
    };
  });
  return breakdownOf(marks);
}

/** ", N guest kernels panicked" when any did. */
export function panicNote(tails: Iterable<MarkerTail>): string {
  const panicked = [...tails].filter((t) => t.panicked).length;
  return panicked ? `, ${panicked} guest kernels panicked` : "";
}

/** Deletes the namespace's VMs and waits until their VMIs and domains are gone. */
export async function removeVms(ctx: StartContext, namespace: string): Promise<void> {
  const { rest, libvirt, say } = ctx;
  const vms = await rest.list(virtualMachines, { namespace }).catch(() => ({ items: [] }));
  for (const vm of vms.items) {
    await rest.delete(virtualMachines, { namespace, name: vm.metadata?.name ?? "" })
      .catch(() => {});
  }
  const gone = await pollUntil(
    async () => {
      try {
        const left = await rest.list(virtualMachineInstances, { namespace });
        const domains = (await libvirt.list()).filter((d) => d.name.startsWith(`${namespace}_`));
        return left.items.length === 0 && domains.length === 0;
      } catch {
        return false; // Ask again.
      }
    },
    120_000,
    250,
  );
  if (!gone) say(`start: VMIs or domains of ${namespace} still there after 120 s`);
  await rest.delete(namespaces, { name: namespace }).catch(() => {});
}
