/**
 * networkInterfaceMultiqueue on real guests: a 1-vCPU VMI on masquerade (QEMU's user-mode
 * network, one queue) runs through the API server and the agent; the renderer's multi-queue
 * tap gives a 2-vCPU guest two queue pairs on the private libvirt.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { VirtualMachineInstance } from "../api/mod.ts";
import { domainXmlFor, vmiRunPathsFor } from "../agent/domain/mod.ts";
import { writeIso } from "../agent/volumes/iso.ts";
import { run, runChecked } from "../lib/exec.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { type AgentDaemon, startAgentDaemon, waitForSerial } from "./support/agent.ts";
import { cleanUp, testLibvirt } from "./support/host.ts";
import { adminRest, createScheduledVmi, guestDisk, vmiSpec, waitForPhase } from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
const fixture = await ensureGuestFixture();

/** User data the fixture runs: what the guest sees of its CPUs and its NIC's queues. */
const REPORT_QUEUES = `#!/bin/sh
echo "MQ-CPUS $(grep -c ^processor /proc/cpuinfo)"
echo "MQ-QUEUES $(ls /sys/class/net/eth0/queues | tr '\\n' ' ')"
`;

Deno.test("a VMI with networkInterfaceMultiqueue and 1 vCPU runs on masquerade with one queue", async () => {
  const rest = adminRest(stack);
  const libvirt = await testLibvirt(stack);
  let agent: AgentDaemon | undefined;
  await withNamespace(stack.admin, "mq", async (ns) => {
    try {
      agent = await startAgentDaemon(stack);
      const spec = vmiSpec(await guestDisk(agent, "mq"), {
        disks: [{ name: "cloudinit", disk: { bus: "virtio" } }],
        volumes: [{ name: "cloudinit", cloudInitNoCloud: { userData: REPORT_QUEUES } }],
      });
      spec.domain.devices.networkInterfaceMultiqueue = true;
      await createScheduledVmi(rest, ns, "mq", spec, agent.node);
      await waitForPhase(rest, ns, "mq", "Running");
      const log = await waitForSerial(agent, ns, "mq", "MQ-QUEUES");
      assert.match(log, /MQ-CPUS 1\n/);
      assert.match(log, /MQ-QUEUES rx-0 tx-0 \n/);
      const xml = await libvirt.xml(`${ns}_mq`);
      assert.match(xml, /<interface type='user'>/);
    } catch (error) {
      console.error(await agent?.log());
      throw error;
    } finally {
      await cleanUp(stack, agent, ns);
    }
  });
  await libvirt.close();
  rest.close();
});

Deno.test("domainXmlFor()'s multi-queue tap boots a 2-vCPU guest with two queue pairs", async () => {
  const libvirt = await testLibvirt(stack);
  const id = crypto.randomUUID().slice(0, 6);
  const bridge = `dvmq${id}`;
  const dir = await Deno.makeTempDir({ dir: stack.paths.home, prefix: "mq-" });
  const vmi = tapVmi(`mq-${id}`);
  const domain = `${vmi.metadata.namespace}_${vmi.metadata.name}`;
  try {
    // A bridge of the test's own with nothing else on it: the guest's tap is its only port.
    await runChecked("ip", ["link", "add", "name", bridge, "type", "bridge"]);
    const disk = join(dir, "root.img");
    await runChecked("cp", ["--sparse=always", fixture.diskRaw, disk]);
    const seed = join(dir, "cloudinit.iso");
    await writeIso(seed, "cidata", {
      "meta-data": `instance-id: ${vmi.metadata.uid}\n`,
      "user-data": REPORT_QUEUES,
    });
    const node = { name: "mq-node", kvm: stack.libvirt.kvm, runDir: join(dir, "run"), bridge };
    const paths = vmiRunPathsFor(vmi, node);
    await Deno.mkdir(paths.dir, { recursive: true });
    const xml = domainXmlFor(vmi, node, [
      { name: "root", path: disk, format: "raw", device: "file" },
      { name: "cloudinit", path: seed, format: "raw", device: "file", readonly: true },
    ]);
    assert.match(xml, /<driver name='vhost' queues='2'\/>/);
    const defined = await libvirt.defineXml(xml);
    await libvirt.start(defined.uuid);
    const log = await eventually("the guest to report its queues", async () => {
      const text = (await Deno.readTextFile(paths.serialLog).catch(() => ""))
        .replaceAll("\r\n", "\n");
      return text.includes("MQ-QUEUES") ? text : undefined;
    }, 180_000);
    assert.match(log, /MQ-CPUS 2\n/);
    assert.match(log, /MQ-QUEUES rx-0 rx-1 tx-0 tx-1 \n/);
  } finally {
    await libvirt.destroy(domain).catch(() => {});
    await libvirt.undefine(domain).catch(() => {});
    await libvirt.close();
    await run("ip", ["link", "del", bridge]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

/** A 2-vCPU VMI with a multi-queue virtio NIC on the pod bridge and a cloud-init disk. */
function tapVmi(namespace: string): VirtualMachineInstance {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name: "tap", namespace, uid: crypto.randomUUID() },
    spec: {
      domain: {
        cpu: { sockets: 1, cores: 2, threads: 1 },
        resources: { requests: { memory: "128Mi" } },
        devices: {
          networkInterfaceMultiqueue: true,
          disks: [
            { name: "root", disk: { bus: "virtio" } },
            { name: "cloudinit", disk: { bus: "virtio" } },
          ],
          interfaces: [{ name: "default", bridge: {} }],
        },
      },
      networks: [{ name: "default", pod: {} }],
      volumes: [
        { name: "root", hostDisk: { path: "/unused", type: "Disk" } },
        { name: "cloudinit", cloudInitNoCloud: { userData: REPORT_QUEUES } },
      ],
    },
  };
}
