/**
 * networkInterfaceMultiqueue on a real guest: a 2-vCPU VMI on the pod network (masquerade, a tap
 * on the VM's bridge) runs through the API server and the agent, and sees two queue pairs.
 */
import assert from "node:assert/strict";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { type AgentDaemon, startAgentDaemon, waitForSerial } from "./support/agent.ts";
import { cleanUp, testLibvirt } from "./support/host.ts";
import { adminRest, createScheduledVmi, guestDisk, vmiSpec, waitForPhase } from "./support/vmis.ts";
import { testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
await ensureGuestFixture();

/** User data the fixture runs: what the guest sees of its CPUs and its NIC's queues. */
const REPORT_QUEUES = `#!/bin/sh
echo "MQ-CPUS $(grep -c ^processor /proc/cpuinfo)"
echo "MQ-QUEUES $(ls /sys/class/net/eth0/queues | tr '\\n' ' ')"
`;

Deno.test("a 2-vCPU VMI with networkInterfaceMultiqueue gets a tap with two queue pairs on the pod network", async () => {
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
      spec.domain.cpu = { sockets: 1, cores: 2, threads: 1 };
      spec.domain.devices.networkInterfaceMultiqueue = true;
      await createScheduledVmi(rest, ns, "mq", spec, agent.node);
      await waitForPhase(rest, ns, "mq", "Running");
      // The serial log shows the user-data itself first: wait for what the script prints.
      const log = await waitForSerial(agent, ns, "mq", "MQ-QUEUES rx-");
      assert.match(log, /MQ-CPUS 2\n/);
      assert.match(log, /MQ-QUEUES rx-0 rx-1 tx-0 tx-1 \n/);
      const xml = await libvirt.xml(`${ns}_mq`);
      assert.match(xml, /<interface type='bridge'>/);
      assert.match(xml, /<driver name='vhost' queues='2'\/>/);
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
