/**
 * The controllers' own figures on a running stack (not a test): VM create -> VMI Scheduled
 * latency over VMs created 100 ms apart, and the controllers' RSS with many VMs.
 *
 *   deno run -A bench/vm_scheduled.ts [--home=~/.denovirt] [--count=50] [--rss-vms=500]
 *
 * It runs the controllers role as its own process (pausing the stack's, if it runs), on a Node
 * it registers, in a namespace it removes afterwards.
 */
import type { VM, VMI } from "../api/mod.ts";
import { parseArgs } from "node:util";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { leases, virtualMachineInstances, virtualMachines } from "../lib/kube/resources.ts";
import {
  createNamespace,
  registerNode,
  removeNamespace,
  removeNode,
  vmManifest,
} from "../controllers/testing/cluster.ts";
import { withoutStackControllers } from "../controllers/testing/stack_controllers.ts";
import { kubeconfigFor } from "../stack/control_plane.ts";
import { logFile, startDaemon, stopDaemon } from "../stack/daemon.ts";
import { stackPaths } from "../stack/paths.ts";
import { ensurePorts } from "../stack/ports.ts";
import { roleEntry } from "../stack/roles.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    home: { type: "string" },
    count: { type: "string", default: "50" },
    "rss-vms": { type: "string", default: "500" },
  },
});
const paths = stackPaths(values.home);
const ports = await ensurePorts(paths.portsFile);
const count = Number(values.count);
const rssVms = Number(values["rss-vms"]);
const admin = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: paths.kubeconfig }));
const say = (line: string) => console.log(`[vm_scheduled] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0) / 1024;
}

/** Watch VMIs of `namespace` and note when each is first seen Scheduled (or later). */
function watchScheduled(namespace: string, signal: AbortSignal): Map<string, number> {
  const seen = new Map<string, number>();
  (async () => {
    while (!signal.aborted) {
      try {
        for await (
          const event of admin.watch<VMI>(virtualMachineInstances, { namespace, signal })
        ) {
          if (event.type === "ERROR" || event.type === "BOOKMARK") continue;
          const vmi = event.object as VMI;
          const phase = vmi.status?.phase ?? "";
          const name = vmi.metadata.name ?? "";
          if (["Scheduled", "Running"].includes(phase) && !seen.has(name)) {
            seen.set(name, Date.now());
          }
        }
      } catch {
        await sleep(100);
      }
    }
  })();
  return seen;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(250);
  }
}

await withoutStackControllers({ paths, ports, libvirt: { uri: "", kvm: false } }, async () => {
  const namespace = await createNamespace(admin, "bench-sched");
  const node = `${namespace}-node`;
  const selector = { "bench.denovirt.io/node": node };
  await registerNode(admin, node, selector, { cpu: "256", memory: "1Ti", pods: "2000" });
  const name = `controllers-bench-${namespace}`;
  const pid = await startDaemon(paths, {
    name,
    command: Deno.execPath(),
    args: [
      "run",
      "-A",
      "--no-prompt",
      roleEntry(),
      "controllers",
      `--kubeconfig=${kubeconfigFor(paths, "denovirt-controllers")}`,
      `--lease-name=denovirt-controllers-bench`,
    ],
    env: { DENO_NO_UPDATE_CHECK: "1" },
  });
  const stop = new AbortController();
  try {
    await waitFor(
      "the controllers to lead",
      async () => (await Deno.readTextFile(logFile(paths, name))).includes("Controllers started"),
      60_000,
    );
    await sleep(2_000);
    const idle = await rssMiB(pid);
    say(`controllers pid ${pid}, idle RSS ${idle.toFixed(1)} MiB`);

    const scheduled = watchScheduled(namespace, stop.signal);
    await sleep(500);
    const created = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const vmName = `lat-${i}`;
      created.set(vmName, Date.now());
      await admin.create(
        virtualMachines,
        vmManifest(vmName, { runStrategy: "Always", nodeSelector: selector }),
        {
          namespace,
        },
      );
      await sleep(100);
    }
    await waitFor(
      `${count} VMIs Scheduled`,
      () => Promise.resolve(scheduled.size >= count),
      120_000,
    );
    const latencies = [...created].map(([n, t]) => scheduled.get(n)! - t).sort((a, b) => a - b);
    say(
      `VM create -> VMI Scheduled over ${count} VMs 100 ms apart: p50 ${
        percentile(latencies, 50)
      } ms, ` +
        `p95 ${percentile(latencies, 95)} ms, max ${latencies.at(-1)} ms`,
    );

    const more = rssVms - count;
    const started = Date.now();
    const names = Array.from({ length: more }, (_, i) => `rss-${i}`);
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(
        names.slice(i, i + 10).map((n, j) =>
          admin.create(
            virtualMachines,
            vmManifest(n, {
              runStrategy: (i + j) % 2 === 0 ? "Halted" : "Always",
              nodeSelector: selector,
            }),
            { namespace },
          )
        ),
      );
    }
    await waitFor(`all ${rssVms} VMs settled`, async () => {
      const vms = (await admin.list<VM>(virtualMachines, { namespace })).items;
      const settled = vms.filter((vm) =>
        vm.status?.printableStatus ===
          (vm.spec.runStrategy === "Halted" ? "Stopped" : "Starting") &&
        (vm.spec.runStrategy === "Halted" || scheduled.has(vm.metadata.name ?? ""))
      );
      return settled.length === rssVms;
    }, 600_000);
    say(
      `${rssVms} VMs (${rssVms - Math.floor(more / 2)} Always + Scheduled, ${
        Math.floor(more / 2)
      } Halted) settled in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    await sleep(5_000);
    say(
      `controllers RSS with ${rssVms} VMs: ${(await rssMiB(pid)).toFixed(1)} MiB (idle ${
        idle.toFixed(1)
      } MiB)`,
    );
  } finally {
    stop.abort();
    await stopDaemon(paths, name);
    await admin.delete(leases, { namespace: "denovirt", name: "denovirt-controllers-bench" })
      .catch(() => {});
    await removeNamespace(admin, namespace);
    await removeNode(admin, node);
    admin.close();
  }
});
