/**
 * The QEMU guest agent in a VM of the stack: the fixture's agent connects, the VMI gains the
 * AgentConnected condition at once (libvirt's agent-lifecycle event), the guest's interface name
 * in status.interfaces and the guest's OS in status.guestOSInfo (which the real
 * `virtctl guestosinfo` prints), `virtctl userlist` and `fslist` print the guest's logged-in
 * user and its mounted cloud-init disk, and `virtctl soft-reboot` reboots the guest through it
 * (its serial log shows a second boot) while the VMI stays Running.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";
import { runWithKubeconfig } from "./support/virtctl.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";

const stack = await testStack();
const virtctl = await ensureVirtctl((line) => console.log(`[virtctl] ${line}`));

type Vmi = {
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    guestOSInfo?: Record<string, string>;
    interfaces?: Array<{
      name?: string;
      interfaceName?: string;
      ipAddress?: string;
      infoSource?: string;
    }>;
  };
};

Deno.test("a guest's agent sets AgentConnected, virtctl userlist and fslist read the guest, and soft-reboot reboots it", () =>
  withNamespace(stack.admin, "guest-agent", async (namespace) => {
    const objects = stack.admin.makeApiClient(CustomObjectsApi);
    const vmi = () =>
      objects.getNamespacedCustomObject({
        group: "kubevirt.io",
        version: "v1",
        plural: "virtualmachineinstances",
        namespace,
        name: "guest",
      }).catch(() => undefined) as Promise<Vmi | undefined>;
    await objects.createNamespacedCustomObject({
      group: "kubevirt.io",
      version: "v1",
      plural: "virtualmachines",
      namespace,
      body: {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachine",
        metadata: { name: "guest", namespace },
        spec: {
          runStrategy: "Always",
          template: {
            spec: {
              domain: {
                memory: { guest: "128Mi" },
                devices: {
                  disks: [
                    { name: "containerdisk", disk: { bus: "virtio" } },
                    { name: "cloudinit", disk: { bus: "virtio" } },
                  ],
                },
              },
              terminationGracePeriodSeconds: 0,
              volumes: [{
                name: "containerdisk",
                containerDisk: {
                  image: `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`,
                },
              }, {
                // The guest mounts it at /mnt: a filesystem on a disk for fslist.
                name: "cloudinit",
                cloudInitNoCloud: { userData: "#cloud-config\n" },
              }],
            },
          },
        },
      },
    });
    // The guest starts its agent late in its boot; libvirt's agent-lifecycle event then updates
    // the VMI at once, well before the agent's 30 s resync would.
    const serial = join(stack.paths.data, "run", `${namespace}_guest`, "serial.log");
    const serialLog = () => Deno.readTextFile(serial).catch(() => "");
    await eventually(
      "the guest agent's start in the serial log",
      async () => (await serialLog()).includes("DENOVIRT-GUEST-AGENT-STARTED") || undefined,
      180_000,
    );
    const agentStarted = Date.now();
    const connected = await eventually("the VMI's AgentConnected condition", async () => {
      const now = await vmi();
      return now?.status?.conditions?.find((c) => c.type === "AgentConnected");
    }, 60_000);
    assert.equal(connected.status, "True");
    const lag = Date.now() - agentStarted;
    assert.ok(lag < 15_000, `AgentConnected came ${lag} ms after the guest agent started`);

    // The guest's interface as its agent reports it, merged with the domain's: the pod's IP stays
    // the VM's address (masquerade), the guest adds its name for the interface.
    const iface = await eventually("the guest agent's interface in status.interfaces", async () => {
      const first = (await vmi())?.status?.interfaces?.[0];
      return first?.infoSource === "domain, guest-agent" ? first : undefined;
    }, 60_000);
    assert.equal(iface.name, "default");
    assert.equal(iface.interfaceName, "eth0");
    assert.match(iface.ipAddress ?? "", /^10\.244\./, "the pod's IP");
    const os = await eventually("the guest's OS in status.guestOSInfo", async () => {
      const info = (await vmi())?.status?.guestOSInfo;
      return info?.id ? info : undefined;
    }, 60_000);
    assert.equal(os.id, "denovirt-fixture");
    assert.equal(os.prettyName, "denovirt guest fixture");
    const info = await runWithKubeconfig(
      virtctl,
      ["guestosinfo", "guest", "-n", namespace],
      stack.paths.kubeconfig,
    );
    assert.equal(info.code, 0, `${info.stdout}${info.stderr}`);
    assert.equal(JSON.parse(info.stdout).os?.id, "denovirt-fixture", info.stdout);

    // The fixture records root's console shell in utmp at boot.
    const users = await runWithKubeconfig(
      virtctl,
      ["userlist", "guest", "-n", namespace],
      stack.paths.kubeconfig,
    );
    assert.equal(users.code, 0, `${users.stdout}${users.stderr}`);
    const userItems = JSON.parse(users.stdout).items as Array<
      { userName: string; loginTime?: number }
    >;
    const root = userItems.find((u) => u.userName === "root");
    assert.ok(root, users.stdout);
    assert.ok((root.loginTime ?? 0) > 1_700_000_000, `a login time in seconds: ${users.stdout}`);

    const filesystems = await runWithKubeconfig(
      virtctl,
      ["fslist", "guest", "-n", namespace],
      stack.paths.kubeconfig,
    );
    assert.equal(filesystems.code, 0, `${filesystems.stdout}${filesystems.stderr}`);
    const fsItems = JSON.parse(filesystems.stdout).items as Array<{
      diskName: string;
      mountPoint: string;
      fileSystemType: string;
      totalBytes: number;
      disk?: Array<{ busType: string }>;
    }>;
    const cloudInit = fsItems.find((f) => f.mountPoint === "/mnt");
    assert.ok(cloudInit, filesystems.stdout);
    assert.match(cloudInit.diskName, /^vd[a-z]$/, "the guest's name of the virtio disk");
    assert.equal(cloudInit.fileSystemType, "iso9660");
    assert.ok(cloudInit.totalBytes > 0, filesystems.stdout);
    assert.deepEqual(cloudInit.disk?.map((d) => d.busType), ["virtio"], filesystems.stdout);

    const boots = async () => ((await serialLog()).match(/DENOVIRT-INIT-START/g) ?? []).length;
    assert.equal(await boots(), 1);
    const result = await runWithKubeconfig(
      virtctl,
      ["soft-reboot", "guest", "-n", namespace],
      stack.paths.kubeconfig,
    );
    assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
    await eventually(
      "the guest's second boot",
      async () => (await boots()) >= 2 || undefined,
      120_000,
    );
    assert.equal((await vmi())?.status?.phase, "Running");

    // What kubectl describe shows of the VMI: virt-handler's Events for its domain and the reboot.
    const reasons = await eventually("the VMI's SoftRebooted Event", async () => {
      const list = await stack.admin.makeApiClient(CoreV1Api).listNamespacedEvent({
        namespace,
        fieldSelector: "involvedObject.kind=VirtualMachineInstance,involvedObject.name=guest",
      });
      const seen = list.items.map((e) => e.reason ?? "");
      return seen.includes("SoftRebooted") ? seen : undefined;
    }, 30_000);
    for (const reason of ["Created", "Started"]) assert.ok(reasons.includes(reason), `${reasons}`);
  }));
