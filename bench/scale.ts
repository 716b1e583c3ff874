/**
 * Control-plane scale: many VMs (runStrategy Always) whose VMIs go to fake Nodes that never boot
 * them; the time from the first create until every VMI is Scheduled, and what the controllers
 * spent in memory and CPU meanwhile. Exercises controllers, webhooks, API server, etcd and
 * scheduler; the agent and libvirt take no part.
 */
import { join } from "node:path";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import {
  namespaces,
  pods,
  virtualMachineInstances,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { runningPid } from "../stack/daemon.ts";
import type { RoleName } from "../stack/identities.ts";
import { rolePid } from "../stack/layout.ts";
import type { StackPaths } from "../stack/paths.ts";
import { hostDiskDir } from "../stack/roles.ts";
import { keepReady, registerFakeNodes, removeFakeNodes, untainted } from "./fake_nodes.ts";
import { forEachLimited, pollUntil } from "./pace.ts";
import { watchPhases } from "./phase_watch.ts";
import { cpuSeconds, rssMiB } from "./proc.ts";
import { apiUse, apiUseLines } from "./scale_writes.ts";
import { benchVm, FAKE_NODE_LABEL } from "./vm_manifest.ts";

export interface ScaleOptions {
  vms: number;
  fakeNodes: number;
  memory: string;
  /** Creates in flight at once. */
  concurrency: number;
  timeoutMs: number;
}

/** RSS (MiB) and CPU time (s) of a process, or zeros when it is not running. */
export interface ProcessUse {
  rssMiB: number;
  cpuSeconds: number;
}

export interface ScaleRun {
  vms: number;
  scheduled: number;
  /** First create until the last VMI was seen Scheduled. */
  secondsToAllScheduled: number;
  /** First create until the last create was answered. */
  secondsToAllCreated: number;
  /** Create -> the VMI exists, and -> Scheduled, of each VM, seconds. */
  vmiCreatedS: number[];
  scheduledS: number[];
  createErrors: number;
  controllersBefore: ProcessUse;
  controllersAfter: ProcessUse;
}

/** The RSS and CPU time of one of the stack's processes, by its daemon name; 0 when not running. */
export async function processUse(paths: StackPaths, name: string): Promise<ProcessUse> {
  return await useOf(await runningPid(paths, name));
}

/** The RSS and CPU time of the process that runs `role`, in either layout (all-in-one: all roles). */
export async function roleUse(paths: StackPaths, role: RoleName): Promise<ProcessUse> {
  return await useOf(await rolePid(paths, role));
}

async function useOf(pid: number | undefined): Promise<ProcessUse> {
  if (pid === undefined) return { rssMiB: 0, cpuSeconds: 0 };
  return { rssMiB: await rssMiB(pid), cpuSeconds: await cpuSeconds(pid).catch(() => 0) };
}

/** Runs the scale part in its own namespace and on its own Nodes, and removes them after. */
export async function scaleRun(
  rest: RestClient,
  paths: StackPaths,
  opts: ScaleOptions,
  say: (line: string) => void,
): Promise<ScaleRun> {
  const suffix = crypto.randomUUID().slice(0, 6);
  const namespace = `bench-scale-${suffix}`;
  await rest.create(namespaces, { metadata: { name: namespace } });
  const stop = new AbortController();
  let fakeNodes: string[] = [];
  try {
    fakeNodes = await registerFakeNodes(rest, `bench-fake-${suffix}`, opts.fakeNodes);
    const renewing = keepReady(rest, fakeNodes, stop.signal);
    if (!(await untainted(rest, fakeNodes, 60_000))) {
      throw new Error("The fake Nodes kept their not-ready taints for 60 s");
    }
    const phases = watchPhases(rest, namespace, stop.signal);
    await phases.ready;
    const names = Array.from({ length: opts.vms }, (_, i) => `scale-${i}`);
    const diskPath = join(hostDiskDir(paths), "scale-never-booted.raw");
    const controllersBefore = await roleUse(paths, "controllers");
    const apiBefore = await apiUse(rest, paths);
    say(`scale: creating ${opts.vms} VMs for ${opts.fakeNodes} fake Nodes`);
    const createdAt = new Map<string, number>();
    const started = performance.now();
    const failures = await forEachLimited(names, opts.concurrency, async (name) => {
      const vm = benchVm(name, {
        memory: opts.memory,
        diskPath,
        nodeSelector: { [FAKE_NODE_LABEL]: "true" },
      });
      createdAt.set(name, performance.now());
      await rest.create(virtualMachines, vm, { namespace });
    });
    const allCreated = performance.now();
    const scheduled = phases.seen.Scheduled;
    const expected = opts.vms - failures.length;
    const all = await pollUntil(() => scheduled.size >= expected, opts.timeoutMs, 100);
    const lastScheduled = Math.max(...scheduled.values());
    const controllersAfter = await roleUse(paths, "controllers");
    const apiAfter = await apiUse(rest, paths);
    say(
      `scale: ${scheduled.size}/${opts.vms} Scheduled in ` +
        `${((lastScheduled - started) / 1000).toFixed(1)} s` + (all ? "" : " (timed out)") +
        (failures.length ? `, ${failures.length} creates failed: ${String(failures[0])}` : ""),
    );
    for (const line of apiUseLines(apiBefore, apiAfter, opts.vms)) say(`scale: ${line}`);
    stop.abort();
    await renewing;
    const since = (seen: Map<string, number>) =>
      names.filter((n) => seen.has(n)).map((n) => (seen.get(n)! - createdAt.get(n)!) / 1000);
    return {
      vms: opts.vms,
      scheduled: scheduled.size,
      secondsToAllScheduled: all ? (lastScheduled - started) / 1000 : NaN,
      secondsToAllCreated: (allCreated - started) / 1000,
      vmiCreatedS: since(phases.seen.Created),
      scheduledS: since(scheduled),
      createErrors: failures.length,
      controllersBefore,
      controllersAfter,
    };
  } finally {
    stop.abort();
    await removeScaleObjects(rest, namespace, say);
    await removeFakeNodes(rest, fakeNodes).catch(() => {});
  }
}

/**
 * Deletes the VMs, then clears what nothing else would: the agent's finalizer on VMIs (no agent
 * runs on the fake Nodes) and launcher pods waiting for a kubelet to confirm them gone.
 */
async function removeScaleObjects(rest: RestClient, namespace: string, say: (l: string) => void) {
  const names = async (resource: typeof pods) =>
    (await rest.list(resource, { namespace })).items.map((o: KubeObject) => o.metadata?.name ?? "");
  const remove = (resource: typeof pods, items: string[], grace?: number) =>
    forEachLimited(
      items,
      10,
      (name) =>
        rest.delete(
          resource,
          { namespace, name },
          grace === undefined ? {} : {
            gracePeriodSeconds: grace,
          },
        ),
    );
  await remove(virtualMachines, await names(virtualMachines));
  const clear = await pollUntil(
    async () => {
      const vmis = (await rest.list(virtualMachineInstances, { namespace })).items;
      // Their VMs are being deleted, so nothing makes them again.
      await remove(
        virtualMachineInstances,
        vmis.filter((v) => !v.metadata?.deletionTimestamp).map(nameOf),
      );
      await forEachLimited(
        vmis.filter((v) => v.metadata?.finalizers?.length),
        10,
        (vmi) =>
          rest.patch(virtualMachineInstances, { namespace, name: nameOf(vmi) }, {
            metadata: { finalizers: null },
          }, { type: "merge" }),
      );
      const leftPods = await names(pods);
      await remove(pods, leftPods, 0);
      const vms = await names(virtualMachines);
      return vmis.length === 0 && leftPods.length === 0 && vms.length === 0;
    },
    300_000,
    1_000,
  );
  if (!clear) say(`scale: objects of ${namespace} still there after 300 s`);
  await rest.delete(namespaces, { name: namespace }).catch(() => {});
}

function nameOf(object: KubeObject): string {
  return object.metadata?.name ?? "";
}
