/**
 * `deno run -A bench/container_disk.ts [--runs=5] [--pad-mib=0]`: containerDisk VMs from the
 * stack's registry. Brings up a stack of its own in a temporary home, publishes the guest
 * fixture (with `--pad-mib` random MiBs after it) once per run under its own digest, and per run
 * times create → VMI `Running` with a cold cache (a fresh image), then again with the image
 * cached (warm), then the floor: `skopeo copy` + `tar -x` + `qemu-img create` of another fresh
 * image. Writes `bench/results/container_disk[-pad<N>].md`; always tears the stack down.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runChecked } from "../lib/exec.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { namespaces, virtualMachineInstances, virtualMachines } from "../lib/kube/resources.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { down } from "../stack/down.ts";
import { stackRegistry } from "../stack/stack_registry.ts";
import { up } from "../stack/up.ts";
import { BENCH_REPOSITORY, benchDisk, publishBenchImages } from "./container_disk_images.ts";
import { floorOf, type FloorSample } from "./container_disk_floor.ts";
import { containerDiskReport } from "./container_disk_report.ts";
import { toolVersion } from "./import_images.ts";
import { once } from "./once.ts";
import { pollUntil } from "./pace.ts";
import { watchPhases } from "./phase_watch.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "5" }, "pad-mib": { type: "string", default: "0" } },
});
const runs = Number(values.runs);
const padMiB = Number(values["pad-mib"]);
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs must be a positive integer");
if (!Number.isInteger(padMiB) || padMiB < 0) throw new Error("--pad-mib must be 0 or more");
const RESULTS = new URL(
  `results/container_disk${padMiB ? `-pad${padMiB}` : ""}.md`,
  import.meta.url,
).pathname;

const began = performance.now();
const say = (line: string) =>
  console.error(`[container_disk +${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

/** A VM of KubeVirt's vm-cirros shape booting `image`, small enough for any node. */
const vmOf = (name: string, image: string) => ({
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachine",
  metadata: { name },
  spec: {
    runStrategy: "Always",
    template: {
      spec: {
        domain: {
          resources: { requests: { memory: "96Mi", cpu: "10m" } },
          devices: { disks: [{ name: "containerdisk", disk: { bus: "virtio" } }] },
        },
        volumes: [{ name: "containerdisk", containerDisk: { image } }],
        terminationGracePeriodSeconds: 0,
      },
    },
  },
});

async function main(): Promise<number> {
  const home = await Deno.makeTempDir({ prefix: "denovirt-bench-containerdisk-" });
  const work = await Deno.makeTempDir({ prefix: "denovirt-bench-containerdisk-work-" });
  const teardown = once(async () => {
    await down({ home, purge: true, say });
    await Deno.remove(work, { recursive: true }).catch(() => {});
  });
  const onSignal = () => void teardown().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const stop = new AbortController();
  let rest: RestClient | undefined;
  try {
    const fixture = await ensureGuestFixture();
    say(`Bringing up a stack in ${home}`);
    const stack = await up({ home, say, podNetwork: "if-free" });
    rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
    const registry = stackRegistry(stack.ports);
    const disk = await benchDisk(fixture, padMiB, work);
    const tags = Array.from({ length: runs }, (_, i) => [`vm-${i}`, `floor-${i}`]).flat();
    say(`Publishing ${tags.length} images of ${(await Deno.stat(disk)).size} bytes`);
    const published = await publishBenchImages(disk, registry.url, tags, work);
    const diskBytes = (await Deno.stat(disk)).size;
    const namespace = `bench-cd-${crypto.randomUUID().slice(0, 6)}`;
    await rest.create(namespaces, { metadata: { name: namespace } });
    const phases = watchPhases(rest, namespace, stop.signal);
    await phases.ready;

    const start = async (name: string, image: string) => {
      await runChecked("sync", []);
      const created = performance.now();
      await rest!.create(virtualMachines, vmOf(name, image), { namespace });
      const running = await pollUntil(() => phases.seen.Running.has(name), 300_000, 10);
      if (!running) throw new Error(`VM ${name} did not run within 300 s`);
      const seconds = (phases.seen.Running.get(name)! - created) / 1000;
      await rest!.delete(virtualMachines, { namespace, name });
      await pollUntil(
        async () => {
          try {
            await rest!.get(virtualMachineInstances, { namespace, name });
            return false;
          } catch (error) {
            return isNotFound(error);
          }
        },
        120_000,
        100,
      );
      return seconds;
    };
    say("A VM of the fixture to warm the fresh stack up (not counted)");
    await start("warmup", `${registry.host}/denovirt/fixture:latest`);
    const loadBefore = loadavg();
    const figures = { coldS: [] as number[], warmS: [] as number[], floor: [] as FloorSample[] };
    for (let i = 0; i < runs; i++) {
      const image = published.get(`vm-${i}`)!.references.oci;
      figures.coldS.push(await start(`cold-${i}`, image));
      figures.warmS.push(await start(`warm-${i}`, image));
      await runChecked("sync", []);
      const floorImage = published.get(`floor-${i}`)!.references.oci;
      figures.floor.push(await floorOf(floorImage, join(work, `floor-${i}`)));
      say(
        `run ${i + 1}: cold ${figures.coldS[i]!.toFixed(2)} s, warm ${
          figures.warmS[i]!.toFixed(2)
        } s, floor ${figures.floor[i]!.totalS.toFixed(2)} s`,
      );
    }
    const conditions = [
      `- image: the guest fixture's qcow2 disk${
        padMiB ? ` with ${padMiB} random MiBs after its raw disk` : ""
      }, ${diskBytes} bytes, one gzip layer, \`${registry.host}/${BENCH_REPOSITORY}:<tag>\` on the stack's registry (Debian's docker-registry, plain HTTP on loopback); a tag and digest of its own per start, so that every cold start pulls`,
      `- ${runs} runs, each: a cold start, a warm start of the same image, the floor on another fresh image; each after a \`sync\`; the VMs are deleted and gone before the next`,
      "- create → VMI `Running` as a watch of the API sees it (client clock): admission, the VM and VMI controllers, kube-scheduler, the agent (pull, check, overlay, domain start), status writes; the guest's boot is not in it",
      `- the floor: ${await toolVersion("skopeo")}, tar, ${await toolVersion("qemu-img")}`,
      `- ${stack.kvm ? "KVM" : "TCG (no usable KVM)"}; ${cpus().length} CPUs (${
        cpus()[0]?.model?.trim() ?? "unknown"
      }), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Deno ${Deno.version.deno}`,
      `- load average (1, 5, 15 min) before the first run ${
        loadBefore.map((v) => v.toFixed(2)).join(", ")
      }, at the end ${loadavg().map((v) => v.toFixed(2)).join(", ")}`,
    ];
    const title = `containerDisk start: cold and warm image cache${
      padMiB ? ` (fixture + ${padMiB} MiB)` : ""
    }`;
    const report = containerDiskReport(title, figures, conditions);
    await Deno.writeTextFile(RESULTS, report);
    console.log(report);
    return 0;
  } catch (error) {
    console.error(`[container_disk] Failed: ${(error as Error).stack ?? error}`);
    return 1;
  } finally {
    stop.abort();
    rest?.close();
    await teardown();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

Deno.exit(await main());
