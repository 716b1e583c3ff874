/**
 * `deno run -A bench/migration.ts [--runs=3]`: live migration on a stack of its own with two
 * nodes (a temporary home; it needs the pod network, so no other stack may run). For an idle guest
 * and a memory-busy one (a loop writing random bytes into RAM), migrates the VM `--runs` times
 * (back and forth between the nodes) with a VMIM and measures VMIM created → `Succeeded`, and from
 * the target's libvirt (the source's domain is gone) the completed job's time, downtime and data
 * moved. Writes `bench/results/migration.md`; always tears the stack down.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import type { VMI, VMIM } from "../api/mod.ts";
import { runChecked } from "../lib/exec.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { RestClient } from "../lib/kube/rest.ts";
import {
  namespaces,
  virtualMachineInstanceMigrations,
  virtualMachineInstances,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { down } from "../stack/down.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { libvirtUri } from "../stack/libvirt_daemon.ts";
import { nodeStackPaths } from "../stack/nodes/node_paths.ts";
import { up } from "../stack/up.ts";
import {
  migrationReport,
  type MigrationSample,
  rawJobStats,
  sampleOf,
} from "./migration_report.ts";
import { once } from "./once.ts";
import { pollUntil } from "./pace.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "3" } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs must be a positive integer");
const RESULTS = new URL("results/migration.md", import.meta.url).pathname;

const began = performance.now();
const say = (line: string) =>
  console.error(`[migration +${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

/** The guest's user data: nothing, or a loop that keeps dirtying memory with random bytes. */
const USER_DATA = {
  idle: "#!/bin/sh\n:\n",
  busy: "#!/bin/sh\n( while :; do dd if=/dev/urandom of=/tmp/busy bs=1M count=24 " +
    "2>/dev/null; done ) &\n",
};

/** A containerDisk VM with cloud-init on the masquerade pod network: it live-migrates. */
const vmOf = (name: string, image: string, userData: string) => ({
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachine",
  metadata: { name },
  spec: {
    runStrategy: "Always",
    template: {
      spec: {
        domain: {
          resources: { requests: { memory: "128Mi", cpu: "10m" } },
          devices: {
            disks: [
              { name: "containerdisk", disk: { bus: "virtio" } },
              { name: "cloudinitdisk", disk: { bus: "virtio" } },
            ],
            interfaces: [{ name: "default", masquerade: {} }],
          },
        },
        networks: [{ name: "default", pod: {} }],
        volumes: [
          { name: "containerdisk", containerDisk: { image } },
          { name: "cloudinitdisk", cloudInitNoCloud: { userData } },
        ],
        terminationGracePeriodSeconds: 0,
      },
    },
  },
});

async function main(): Promise<number> {
  const home = await Deno.makeTempDir({ prefix: "denovirt-bench-migration-" });
  const teardown = once(() => down({ home, purge: true, say }));
  const onSignal = () => void teardown().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  let rest: RestClient | undefined;
  try {
    await ensureGuestFixture();
    say(`Bringing up a stack with 2 nodes in ${home}`);
    const stack = await up({ home, say, nodes: 2 });
    if (!stack.podNetwork) throw new Error("The bench needs the pod network: stop other stacks");
    rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
    const uris = new Map(stack.nodes.map((node) => [
      node.name,
      node.index === 1 ? stack.libvirtUri : libvirtUri(nodeStackPaths(stack.paths, node)),
    ]));
    const image = `${stack.registry}/${FIXTURE_REPOSITORY}:latest`;
    const namespace = `bench-mig-${crypto.randomUUID().slice(0, 6)}`;
    await rest.create(namespaces, { metadata: { name: namespace } });
    const loadBefore = loadavg();
    const samples: Record<string, MigrationSample[]> = {};
    for (const [guest, userData] of Object.entries(USER_DATA)) {
      await rest.create(virtualMachines, vmOf(guest, image, userData), { namespace });
      const vmi = () =>
        rest!.get<VMI & KubeObject>(virtualMachineInstances, { namespace, name: guest });
      const migratable = async () => {
        const v = await vmi().catch(() => undefined);
        return v?.status?.phase === "Running" &&
          !!v.status.conditions?.some((c) => c.type === "LiveMigratable" && c.status === "True");
      };
      if (!(await pollUntil(migratable, 300_000, 200))) throw new Error(`${guest} did not run`);
      // Let the guest boot and its user data start before the first move.
      await new Promise((r) => setTimeout(r, 20_000));
      samples[guest] = [];
      for (let i = 0; i < runs; i++) {
        const from = (await vmi()).status?.nodeName;
        const name = `${guest}-${i}`;
        const created = performance.now();
        await rest.create(virtualMachineInstanceMigrations, {
          apiVersion: "kubevirt.io/v1",
          kind: "VirtualMachineInstanceMigration",
          metadata: { name },
          spec: { vmiName: guest },
        }, { namespace });
        let phase = "";
        const ended = await pollUntil(
          async () => {
            const m = await rest!.get<VMIM & KubeObject>(virtualMachineInstanceMigrations, {
              namespace,
              name,
            });
            phase = m.status?.phase ?? "";
            return phase === "Succeeded" || phase === "Failed";
          },
          600_000,
          50,
        );
        const apiMs = performance.now() - created;
        if (!ended || phase !== "Succeeded") throw new Error(`Migration ${name} ended ${phase}`);
        const to = (await vmi()).status?.nodeName ?? "";
        const raw = await runChecked("virsh", [
          "-c",
          uris.get(to)!,
          "domjobinfo",
          `${namespace}_${guest}`,
          "--completed",
          "--rawstats",
        ]);
        const sample = sampleOf(apiMs, rawJobStats(raw));
        samples[guest].push(sample);
        say(
          `${guest} run ${i + 1}: ${from} -> ${to} in ${(apiMs / 1000).toFixed(2)} s, libvirt ` +
            `${sample.elapsedMs} ms, downtime ${sample.downtimeMs} ms, ${
              (sample.dataBytes / 2 ** 20).toFixed(1)
            } MiB`,
        );
      }
      await rest.delete(virtualMachines, { namespace, name: guest });
      await pollUntil(() => vmi().then(() => false, () => true), 120_000, 200);
    }
    const conditions = [
      "- command: `flock /tmp/denovirt-suite.lock deno run -A bench/migration.ts` (brings up a stack " +
      "of its own with 2 nodes, as `deno task up --nodes 2` makes them, and removes it)",
      `- ${runs} migrations per guest, back and forth between the nodes, one after another; each a VMIM made through the API`,
      "- guest: the fixture (busybox initramfs), 128 MiB, a containerDisk (its overlay copied with the guest, NON_SHARED_INC) and cloud-init; masquerade pod network; the busy guest runs `dd if=/dev/urandom of=/tmp/busy bs=1M count=24` in a loop (24 MiB of its RAM rewritten over and over; under TCG the loop is slow, so it adds tens of MiB to what moves rather than keeping the migration from converging)",
      "- VMIM created → `Succeeded` as polled every 50 ms (client clock): scheduling the target pod, preparing the target, libvirt's job, the switch of the VMI to its new node",
      "- libvirt job, downtime, data moved: `virsh domjobinfo --completed --rawstats` on the target's libvirtd (`time_elapsed`, `downtime`, `data_processed`)",
      "- unlimited bandwidth, the nodes on one host (veth and a bridge), libvirt 9.0, QEMU 7.2, pre-copy",
      `- ${stack.kvm ? "KVM" : "TCG (no usable KVM)"}; ${cpus().length} CPUs (${
        cpus()[0]?.model?.trim() ?? "unknown"
      }), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Deno ${Deno.version.deno}`,
      `- load average (1, 5, 15 min) before the first run ${
        loadBefore.map((v) => v.toFixed(2)).join(", ")
      }, at the end ${loadavg().map((v) => v.toFixed(2)).join(", ")}`,
    ];
    const report = migrationReport(samples, conditions);
    await Deno.writeTextFile(RESULTS, report);
    console.log(report);
    return 0;
  } catch (error) {
    console.error(`[migration] Failed: ${(error as Error).stack ?? error}`);
    return 1;
  } finally {
    rest?.close();
    await teardown();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

Deno.exit(await main());
