/** Boots the guest fixture's disk image on the private libvirt and watches its serial console log. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { processAlive } from "../stack/daemon.ts";
import { runChecked } from "../lib/exec.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { probeAccel } from "../stack/kvm.ts";
import {
  libvirtProcesses,
  libvirtUri,
  startLibvirt,
  stopLibvirt,
  virsh,
} from "../stack/libvirt_daemon.ts";
import { stackPaths } from "../stack/paths.ts";

const BOOT_DEADLINE_MS = 180_000;

Deno.test("probeAccel() reaches long mode under TCG, so a KVM probe failure means KVM is broken", async () => {
  assert.equal(await probeAccel("tcg"), true);
});

Deno.test("startLibvirt() runs a private libvirt that boots the fixture disk to its marker", async () => {
  const fixture = await ensureGuestFixture({ onProgress: (line) => console.log(line) });
  const home = await Deno.makeTempDir({ prefix: "denovirt-libvirt-test-" });
  const paths = stackPaths(home);
  const name = `denovirt-boot-${crypto.randomUUID().slice(0, 8)}`;
  const serialLog = join(home, "serial.log");
  let seen: number[] = [];
  try {
    const { uri, kvm } = await startLibvirt(paths);
    const disk = join(home, "disk.qcow2");
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
    const cidata = await makeCidata(home, "#!/bin/sh\necho hello from cidata\n");
    const xml = join(home, "domain.xml");
    await Deno.writeTextFile(xml, domainXml({ name, kvm, disk, cidata, serialLog }));

    const started = performance.now();
    await runChecked("virsh", ["-c", uri, "create", xml]);
    const booted = await waitForLine(serialLog, fixture.marker, BOOT_DEADLINE_MS);
    console.log(`marker after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const done = await waitForLine(serialLog, "DENOVIRT-BOOT-DONE", 60_000);
    assert.match(booted, new RegExp(fixture.marker));
    assert.match(done, /DENOVIRT-DISK vda \d+ label=DENOVIRT fs=vfat/);
    assert.match(done, /DENOVIRT-DISK vdb \d+ label=cidata fs=iso9660/);
    assert.match(done, /DENOVIRT-NIC eth0 52:54:00(:[0-9a-f]{2}){3}/);
    assert.match(done, /DENOVIRT-FILE-BEGIN user-data\n#!\/bin\/sh\necho hello from cidata\n/);
    assert.match(done, /\nhello from cidata\r?\n/);
    seen = await libvirtProcesses(paths);
    assert.ok(seen.length >= 3, `expected virtlogd, libvirtd and qemu, found pids ${seen}`);
  } finally {
    await virsh(libvirtUri(paths), ["destroy", name]).catch(() => {});
    await stopLibvirt(paths);
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
  assert.deepEqual(seen.filter(processAlive), [], "processes of the private libvirt outlived stop");
  assert.deepEqual(await processesNaming(home), [], "processes naming the test home outlived stop");
  assert.deepEqual(await processesNaming(name), [], "qemu of the test domain outlived stop");
});

/** A NoCloud seed ISO (label cidata) holding `userData`. */
async function makeCidata(home: string, userData: string): Promise<string> {
  const dir = join(home, "cidata");
  await Deno.mkdir(dir);
  await Deno.writeTextFile(
    join(dir, "meta-data"),
    "instance-id: boot-test\nlocal-hostname: boot-test\n",
  );
  await Deno.writeTextFile(join(dir, "user-data"), userData);
  const iso = join(home, "cidata.iso");
  await runChecked("genisoimage", ["-quiet", "-o", iso, "-V", "cidata", "-J", "-r", dir]);
  return iso;
}

function domainXml(
  d: { name: string; kvm: boolean; disk: string; cidata: string; serialLog: string },
) {
  return `<domain type='${d.kvm ? "kvm" : "qemu"}'>
  <name>${d.name}</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${d.disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${d.cidata}'/>
      <target dev='vdb' bus='virtio'/>
      <readonly/>
    </disk>
    <interface type='user'><model type='virtio'/></interface>
    <serial type='pty'>
      <log file='${d.serialLog}' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>
`;
}

/** Poll `file` until it contains `line`; return its whole text then. */
async function waitForLine(file: string, line: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    text = await Deno.readTextFile(file).catch(() => "");
    if (text.includes(line)) return text.replaceAll("\r\n", "\n");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `Guest did not print ${line} within ${timeoutMs / 1000} s: serial log ends with:\n${
      text.slice(-2000)
    }`,
  );
}

/** Live processes whose command line contains `needle`. */
async function processesNaming(needle: string): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (cmdline.includes(needle) && processAlive(pid)) found.push(pid);
  }
  return found;
}
