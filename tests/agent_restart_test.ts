/** Restart safety: killing the agent never stops a VM, and a new agent adopts the domains it finds. */
import assert from "node:assert/strict";
import { virtualMachineInstances } from "../lib/kube/resources.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { type AgentDaemon, startAgentDaemon, waitForSerial } from "./support/agent.ts";
import { cleanUp, domainExists, qemuPids, testLibvirt } from "./support/host.ts";
import {
  adminRest,
  CONTROLLERS_IN_STACK,
  createScheduledVmi,
  getVmi,
  guestDisk,
  vmiSpec,
  waitForPhase,
} from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
const fixture = await ensureGuestFixture();

Deno.test("agent killed with SIGKILL and restarted keeps its VMs running, adopts them, replaces a recreated VMI's domain", async () => {
  const rest = adminRest(stack);
  const libvirt = await testLibvirt(stack);
  let agent: AgentDaemon | undefined;
  await withNamespace(stack.admin, "agent-restart", async (ns) => {
    try {
      agent = await startAgentDaemon(stack);
      const names = ["one", "two", "three"];
      for (const name of names) {
        await createScheduledVmi(rest, ns, name, vmiSpec(await guestDisk(agent, name)), agent.node);
      }
      const before = new Map<string, { pids: number[]; resourceVersion: string | undefined }>();
      for (const name of names) {
        const vmi = await waitForPhase(rest, ns, name, "Running");
        await waitForSerial(agent, ns, name, fixture.marker);
        before.set(name, {
          pids: await qemuPids(`${ns}_${name}`),
          resourceVersion: vmi.metadata.resourceVersion,
        });
      }

      await agent.kill();
      for (const name of names) {
        assert.deepEqual(
          await qemuPids(`${ns}_${name}`),
          before.get(name)!.pids,
          `${name} survives the kill`,
        );
      }
      // While the agent is down, "three" is deleted (its finalizer forced off) and created anew.
      const ref = { namespace: ns, name: "three" };
      await rest.patch(virtualMachineInstances, ref, { metadata: { finalizers: [] } }, {
        type: "merge",
      });
      await rest.delete(virtualMachineInstances, ref);
      await eventually(
        "the old three to be gone",
        async () => (await getVmi(rest, ns, "three")) ? undefined : true,
      );
      const three = await createScheduledVmi(
        rest,
        ns,
        "three",
        vmiSpec(await guestDisk(agent, "three-new")),
        agent.node,
      );

      await agent.restart();
      // The stale domain of the old "three" goes first, then the new one starts.
      const renewed = await waitForPhase(rest, ns, "three", "Running");
      assert.equal(renewed.metadata.uid, three.metadata.uid);
      const threePids = await qemuPids(`${ns}_three`);
      assert.equal(threePids.length, 1, "three runs exactly one QEMU");
      assert.notDeepEqual(threePids, before.get("three")!.pids, "three runs a new QEMU");
      await eventually("the agent's first resync", async () => {
        return (await agent!.log()).split("libvirt answers").length > 2 ? true : undefined;
      });
      for (const name of ["one", "two"]) {
        const pids = await qemuPids(`${ns}_${name}`);
        assert.equal(pids.length, 1, `${name} runs exactly one QEMU`);
        assert.deepEqual(pids, before.get(name)!.pids, `${name} keeps its QEMU process`);
        const vmi = await getVmi(rest, ns, name);
        assert.equal(vmi?.status?.phase, "Running");
        if (!CONTROLLERS_IN_STACK) {
          assert.equal(
            vmi?.metadata.resourceVersion,
            before.get(name)!.resourceVersion,
            `the new agent rewrote nothing of ${name}`,
          );
        }
      }
      assert.equal((await libvirt.list()).filter((d) => d.name.startsWith(`${ns}_`)).length, 3);

      // The new agent owns the adopted domains: deleting a VMI tears its domain down.
      await rest.delete(virtualMachineInstances, { namespace: ns, name: "one" });
      await eventually(
        "VMI one to be gone",
        async () => (await getVmi(rest, ns, "one")) ? undefined : true,
        60_000,
      );
      assert.equal(await domainExists(libvirt, `${ns}_one`), false);
      assert.deepEqual(await qemuPids(`${ns}_one`), []);
      assert.deepEqual(await qemuPids(`${ns}_two`), before.get("two")!.pids);
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
