/**
 * What the graphics device costs: one domain of the guest fixture, rendered by the agent's
 * domainXmlFor() with and without `autoattachGraphicsDevice`, booted on a private libvirt; QEMU's
 * RSS (median of 5 readings 1 s apart, once the guest is up and settled) in each case, in turn.
 * Also checks the device is live: the VNC socket greets with `RFB 003.00x` and the agent's
 * screenshot (virDomainScreenshot through FFI, converted to PNG) has the screen's size. Run under the suite lock:
 * `flock /tmp/denovirt-suite.lock deno run -A bench/graphics_rss.ts [rounds] [screenshot.png]`.
 */
import { join } from "node:path";
import { connect } from "node:net";
import { domainXmlFor } from "../agent/domain/mod.ts";
import { vmiRunPathsFor } from "../agent/domain/mod.ts";
import { pngOf } from "../agent/console/screenshot.ts";
import { openLibvirt } from "../agent/libvirt/mod.ts";
import type { VirtualMachineInstance } from "../api/mod.ts";
import { runChecked } from "../lib/exec.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { libvirtUri, startLibvirt, stopLibvirt, virsh } from "../stack/libvirt_daemon.ts";
import { stackPaths } from "../stack/paths.ts";
import { pidsMatching, rssMiB } from "./proc.ts";
import { quantile } from "./stats.ts";

const SETTLE_MS = 10_000;
/** Where the last screenshot goes, if anywhere (the second argument). */
const pngOut = Deno.args[1];

function vmiFor(name: string, graphics: boolean): VirtualMachineInstance {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name, namespace: "bench", uid: crypto.randomUUID() },
    spec: {
      domain: {
        resources: { requests: { memory: "128Mi" } },
        devices: {
          autoattachGraphicsDevice: graphics,
          disks: [{ name: "rootdisk", disk: { bus: "virtio" } }],
        },
      },
      volumes: [{ name: "rootdisk", containerDisk: { image: "fixture" } }],
    },
  } as VirtualMachineInstance;
}

/** The first bytes the VNC server sends (its protocol version line). */
function vncGreeting(socket: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    s.once("data", (b) => (s.destroy(), resolve(b.toString("latin1").trim())));
    s.once("error", reject);
  });
}

async function waitFor(file: string, text: string, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await Deno.readTextFile(file).catch(() => "")).includes(text)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The guest did not print ${text} within ${ms / 1000} s: ${file}`);
}

async function measure(home: string, uri: string, kvm: boolean, graphics: boolean, round: number) {
  const fixture = await ensureGuestFixture();
  const name = `gfx${graphics ? "on" : "off"}${round}`;
  const vmi = vmiFor(name, graphics);
  const node = { name: "bench", kvm, runDir: join(home, "vmis") };
  const paths = vmiRunPathsFor(vmi, node);
  await Deno.mkdir(paths.dir, { recursive: true });
  const disk = join(home, `${name}.qcow2`);
  await runChecked("qemu-img", [
    "create",
    "-q",
    "-f",
    "qcow2",
    "-F",
    "qcow2",
    "-b",
    fixture.diskQcow2,
    disk,
  ]);
  const xml = domainXmlFor(vmi, node, [
    { name: "rootdisk", path: disk, format: "qcow2", device: "file" },
  ]);
  const file = join(home, `${name}.xml`);
  await Deno.writeTextFile(file, xml);
  try {
    await runChecked("virsh", ["-c", uri, "create", file]);
    await waitFor(paths.serialLog, fixture.marker, 180_000);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const [pid] = await pidsMatching("qemu-system", `guest=bench_${name}`);
    if (pid === undefined) throw new Error(`No QEMU process for bench_${name}`);
    const readings: number[] = [];
    for (let i = 0; i < 5; i++) {
      readings.push(await rssMiB(pid));
      await new Promise((r) => setTimeout(r, 1000));
    }
    let live = "";
    if (graphics) {
      // The agent's own path: virDomainScreenshot through FFI, as PNG.
      const libvirt = await openLibvirt(uri, { events: false });
      const png = await libvirt.screenshot(`bench_${name}`).finally(() => libvirt.close())
        .then(pngOf);
      const view = new DataView(png.buffer);
      live = `vnc says ${await vncGreeting(paths.vncSocket)}; screenshot PNG ` +
        `${view.getUint32(16)}x${view.getUint32(20)}, ${png.length} bytes`;
      if (pngOut) await Deno.writeFile(pngOut, png);
    }
    return { rss: quantile(readings, 0.5), live };
  } finally {
    await virsh(uri, ["destroy", `bench_${name}`]).catch(() => {});
  }
}

if (import.meta.main) {
  const rounds = Number(Deno.args[0] ?? 2);
  const home = await Deno.makeTempDir({ prefix: "denovirt-gfx-rss-" });
  const paths = stackPaths(home);
  try {
    const { kvm } = await startLibvirt(paths);
    const uri = libvirtUri(paths);
    console.log(`loadavg before: ${(await Deno.readTextFile("/proc/loadavg")).trim()}`);
    for (let round = 0; round < rounds; round++) {
      for (const graphics of [false, true]) {
        const { rss, live } = await measure(home, uri, kvm, graphics, round);
        console.log(
          `round ${round} graphics=${graphics}: QEMU RSS ${rss.toFixed(1)} MiB ${live} ` +
            `(loadavg ${(await Deno.readTextFile("/proc/loadavg")).trim()})`,
        );
      }
    }
  } finally {
    await stopLibvirt(paths);
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}
