/**
 * Volume hotplug with a real guest and the real virtctl: a blank DataVolume on node-local storage
 * is attached to a running VM with `virtctl addvolume` (to the VMI only), the guest sees a new
 * SCSI disk, the VMI's volumeStatus says Ready with its target, and `virtctl removevolume`
 * detaches it until the guest no longer sees it; then with `--persist` (to the VM's template too)
 * a DataVolume on the default WaitForFirstConsumer class that the hotplug itself places.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { LOCAL_IMMEDIATE_STORAGE_CLASS } from "../api/mod.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { hostDiskDir, ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import type { WsSocket } from "../lib/http/ws.ts";
import { eventually, type TestStack, testStack, withNamespace } from "./support/stack.ts";
import { openConsole, runWithKubeconfig } from "./support/virtctl.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";

const ignore = !(["controllers", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack: TestStack | undefined = ignore ? undefined : await testStack();
const virtctl = ignore ? "" : await ensureVirtctl((line) => console.log(`[virtctl] ${line}`));

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;
const VMS = { group: "kubevirt.io", version: "v1", plural: "virtualmachines" };
const VMIS = { group: "kubevirt.io", version: "v1", plural: "virtualmachineinstances" };
const DVS = { group: "cdi.kubevirt.io", version: "v1beta1", plural: "datavolumes" };

const api = () => stack!.admin.makeApiClient(CustomObjectsApi);
const get = (kind: typeof VMS, namespace: string, name: string) =>
  api().getNamespacedCustomObject({ ...kind, namespace, name }).catch(() => undefined) as Promise<
    Json | undefined
  >;

async function virtctlRun(args: string[]) {
  const result = await runWithKubeconfig(virtctl, args, stack!.paths.kubeconfig);
  assert.equal(result.code, 0, `virtctl ${args.join(" ")}: ${result.stderr}${result.stdout}`);
  return result;
}

let asked = 0;
/** What the guest's serial console printed so far. */
let printed = "";
/**
 * The guest's block devices, asked over the serial console until `accept` takes the answer (a
 * hotplugged disk shows up, or goes, a moment after libvirt is done).
 */
async function blockDevicesUntil(ws: WsSocket, accept: (names: string[]) => boolean) {
  const tag = `BLK${++asked}`;
  const answer = new RegExp(`${tag}-([a-z0-9,]*)-END`, "g");
  let names: string[] = [];
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    ws.send(
      new TextEncoder().encode(`\necho ${tag}-$(ls /sys/class/block | tr '\\n' ,)-END\n`),
      { binary: true },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const last = [...printed.matchAll(answer)].at(-1);
    names = last ? last[1]!.split(",").filter((n) => n) : [];
    if (last && accept(names)) return names;
  }
  assert.fail(`the guest's block devices never satisfied the test: last seen ${names.join(" ")}`);
}

const scsiDisks = (names: string[]) => names.filter((n) => /^sd[a-z]+$/.test(n));

/** The VMI's volumeStatus entry for `name` once `accept` takes it. */
function volumeStatusUntil(
  namespace: string,
  name: string,
  accept: (status: Json | undefined) => boolean,
  what: string,
) {
  return eventually(what, async () => {
    const vmi = await get(VMIS, namespace, "guest");
    const status = vmi?.status?.volumeStatus?.find((v: Json) => v.name === name);
    return accept(status) ? (status ?? {}) : undefined;
  }, 120_000);
}

Deno.test({
  name: "hotplug: virtctl addvolume and removevolume attach and detach a blank DataVolume on a " +
    "running guest, with and without --persist",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "hotplug", async (namespace) => {
      const fixture = await ensureGuestFixture();
      const disk = join(hostDiskDir(stack!.paths), `${namespace}-guest.img`);
      await Deno.mkdir(hostDiskDir(stack!.paths), { recursive: true });
      await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, disk] }).output();
      let ws: WsSocket | undefined;
      try {
        await api().createNamespacedCustomObject({
          ...DVS,
          namespace,
          body: {
            apiVersion: "cdi.kubevirt.io/v1beta1",
            kind: "DataVolume",
            metadata: { name: "blank" },
            spec: {
              source: { blank: {} },
              storage: {
                storageClassName: LOCAL_IMMEDIATE_STORAGE_CLASS,
                resources: { requests: { storage: "16Mi" } },
              },
            },
          },
        });
        await api().createNamespacedCustomObject({
          ...VMS,
          namespace,
          body: {
            apiVersion: "kubevirt.io/v1",
            kind: "VirtualMachine",
            metadata: { name: "guest" },
            spec: {
              runStrategy: "Always",
              template: {
                spec: {
                  domain: {
                    resources: { requests: { memory: "96Mi" } },
                    devices: { disks: [{ name: "root", disk: { bus: "virtio" } }] },
                  },
                  volumes: [{ name: "root", hostDisk: { path: disk, type: "Disk" } }],
                  terminationGracePeriodSeconds: 0,
                },
              },
            },
          },
        });
        await eventually(
          "the blank DataVolume to succeed",
          async () =>
            (await get(DVS, namespace, "blank"))?.status?.phase === "Succeeded" ? true : undefined,
          120_000,
        );
        await eventually(
          "the VMI to run",
          async () =>
            (await get(VMIS, namespace, "guest"))?.status?.phase === "Running" ? true : undefined,
          180_000,
        );
        const attach = await openConsole(stack!, namespace, "guest");
        assert.ok(attach.ws, attach.message);
        ws = attach.ws;
        ws.on("message", (data) => printed += new TextDecoder().decode(data));
        const before = await blockDevicesUntil(ws, (names) => names.includes("vda"));
        assert.deepEqual(scsiDisks(before), [], `no SCSI disk before the hotplug: ${before}`);

        // To the VMI only: its spec gets the volume, the VM's template does not.
        const ns = `--namespace=${namespace}`;
        await virtctlRun(["addvolume", "guest", "--volume-name=blank", ns]);
        const ready = await volumeStatusUntil(
          namespace,
          "blank",
          (s) => s?.phase === "Ready",
          "the hotplugged volume to be Ready",
        );
        assert.equal(ready.reason, "VolumeReady");
        assert.ok(ready.hotplugVolume, "a hotplugged volume says so");
        assert.match(ready.target ?? "", /^sd[a-z]$/);
        const plugged = await blockDevicesUntil(ws, (names) => scsiDisks(names).length === 1);
        assert.deepEqual(scsiDisks(plugged), [ready.target], "the guest sees the new disk");
        const vmi = await get(VMIS, namespace, "guest");
        const hot = vmi?.spec?.volumes?.find((v: Json) => v.name === "blank");
        assert.deepEqual(hot?.dataVolume, { name: "blank", hotpluggable: true });
        const template = (await get(VMS, namespace, "guest"))?.spec?.template?.spec;
        assert.ok(!template.volumes.some((v: Json) => v.name === "blank"), "not persisted");

        await virtctlRun(["removevolume", "guest", "--volume-name=blank", ns]);
        await volumeStatusUntil(namespace, "blank", (s) => s === undefined, "the volume to go");
        await blockDevicesUntil(ws, (names) => scsiDisks(names).length === 0);

        // With --persist: queued on the VM, applied by its controller to template and VMI. This
        // DataVolume is on the default class (WaitForFirstConsumer) and still waits for a
        // consumer: the hotplug makes the VMI its consumer, and the disk comes once it exists.
        await api().createNamespacedCustomObject({
          ...DVS,
          namespace,
          body: {
            apiVersion: "cdi.kubevirt.io/v1beta1",
            kind: "DataVolume",
            metadata: { name: "later" },
            spec: {
              source: { blank: {} },
              storage: { resources: { requests: { storage: "8Mi" } } },
            },
          },
        });
        await virtctlRun(["addvolume", "guest", "--volume-name=later", "--persist", ns]);
        await volumeStatusUntil(namespace, "later", (s) => s?.phase === "Ready", "Ready again");
        assert.equal((await get(DVS, namespace, "later"))?.status?.phase, "Succeeded");
        await blockDevicesUntil(ws, (names) => scsiDisks(names).length === 1);
        const persisted = await eventually("the template to keep the volume", async () => {
          const vm = await get(VMS, namespace, "guest");
          const volume = vm?.spec?.template?.spec?.volumes?.find((v: Json) => v.name === "later");
          return volume && !vm?.status?.volumeRequests ? vm : undefined;
        });
        const persistedDisk = persisted.spec.template.spec.domain.devices.disks
          .find((d: Json) => d.name === "later");
        assert.equal(persistedDisk?.disk?.bus, "scsi");

        await virtctlRun(["removevolume", "guest", "--volume-name=later", "--persist", ns]);
        await volumeStatusUntil(namespace, "later", (s) => s === undefined, "the volume to go");
        await blockDevicesUntil(ws, (names) => scsiDisks(names).length === 0);
        await eventually("the template to drop the volume", async () => {
          const vm = await get(VMS, namespace, "guest");
          const volumes = vm?.spec?.template?.spec?.volumes ?? [];
          return volumes.some((v: Json) => v.name === "later") || vm?.status?.volumeRequests
            ? undefined
            : true;
        });
      } finally {
        ws?.close(1000, "");
        await Deno.remove(disk).catch(() => {});
      }
    }),
});
