/** The node agent against a real API server and libvirt: VMIs Scheduled to its node run, end and go. */
import assert from "node:assert/strict";
import { AGENT_FINALIZER } from "../api/mod.ts";
import { join } from "node:path";
import type { KubeObject } from "../lib/kube/object.ts";
import { leases, nodes, pods, virtualMachineInstances } from "../lib/kube/resources.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import {
  type AgentDaemon,
  serialLog,
  startAgentDaemon,
  TEST_TAINT_KEY,
  waitForSerial,
} from "./support/agent.ts";
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

type Pod = KubeObject & { status?: { phase?: string } };
type Lease = KubeObject & { spec?: { renewTime?: string } };
type Node = KubeObject & {
  status?: {
    conditions?: Array<{ type: string; status: string }>;
    allocatable?: Record<string, string>;
  };
};

Deno.test("agent runs Scheduled VMIs: boot, disks, cloud-init, pause, guest poweroff, delete", async () => {
  const rest = adminRest(stack);
  const libvirt = await testLibvirt(stack);
  let agent: AgentDaemon | undefined;
  await withNamespace(stack.admin, "agent-vmi", async (ns) => {
    try {
      agent = await startAgentDaemon(stack);
      const node = await rest.get<Node>(nodes, { name: agent.node });
      assert.equal(node.metadata?.labels?.["kubevirt.io/schedulable"], "true");
      assert.equal(node.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
      assert.match(node.status?.allocatable?.memory ?? "", /^\d+Ki$/);
      const firstLease = await rest.get<Lease>(leases, {
        namespace: "kube-node-lease",
        name: agent.node,
      });

      // web: a plain boot. full: every volume kind, and user-data that powers the guest off.
      await createScheduledVmi(
        rest,
        ns,
        "web",
        vmiSpec(await guestDisk(agent, "web")),
        agent.node,
      );
      const userData = "#!/bin/sh\necho hello-from-user-data\npoweroff -f\n";
      const full = await createScheduledVmi(
        rest,
        ns,
        "full",
        vmiSpec(await guestDisk(agent, "full"), {
          disks: [{ name: "scratch", disk: { bus: "virtio" } }, {
            name: "cloudinit",
            disk: { bus: "virtio" },
          }],
          volumes: [
            { name: "scratch", emptyDisk: { capacity: "64Mi" } },
            { name: "cloudinit", cloudInitNoCloud: { userData } },
          ],
        }),
        agent.node,
      );
      if (!CONTROLLERS_IN_STACK) {
        // A launcher pod bound to the node, as the controllers and kube-scheduler would make it.
        await rest.create(pods, {
          metadata: {
            name: "virt-launcher-full-abcde",
            namespace: ns,
            labels: {
              "kubevirt.io": "virt-launcher",
              "kubevirt.io/created-by": full.metadata.uid!,
            },
          },
          spec: {
            nodeName: agent.node,
            tolerations: [{ key: TEST_TAINT_KEY, operator: "Exists" }],
            containers: [{ name: "compute", image: "denovirt/holder:latest" }],
          },
        } as KubeObject);
      }
      const launcherPod = () =>
        rest.list<Pod>(pods, {
          namespace: ns,
          labelSelector: `kubevirt.io/created-by=${full.metadata.uid}`,
        }).then((list) => list.items[0]);
      await eventually("the launcher pod to be reported Running", async () => {
        const pod = await launcherPod();
        return pod?.status?.phase === "Running" ? pod : undefined;
      }, 60_000);

      const running = await waitForPhase(rest, ns, "web", "Running");
      assert.ok(running.metadata.finalizers?.includes(AGENT_FINALIZER));
      assert.match(running.status?.interfaces?.[0]?.mac ?? "", /^52:54:00(:[0-9a-f]{2}){3}$/);
      assert.equal(running.status?.interfaces?.[0]?.name, "default");
      await waitForSerial(agent, ns, "web", fixture.marker);

      // The full VMI saw its three disks and ran its user data, which powered it off.
      const fullLog = await waitForSerial(agent, ns, "full", "\nhello-from-user-data\n");
      assert.match(fullLog, /DENOVIRT-DISK vda \d+ /);
      assert.match(fullLog, /DENOVIRT-DISK vdb 67108864 /);
      assert.match(fullLog, /DENOVIRT-DISK vdc \d+ label=cidata fs=iso9660/);
      assert.match(
        fullLog,
        /DENOVIRT-FILE-BEGIN user-data\n#!\/bin\/sh\necho hello-from-user-data\n/,
      );
      assert.match(fullLog, /\nhello-from-user-data\n/);
      await waitForPhase(rest, ns, "full", "Succeeded");
      await eventually("the full VMI's domain and disks to be gone", async () => {
        const files = await exists(join(agent!.dataDir, "vmis", full.metadata.uid!));
        return !files && !(await domainExists(libvirt, `${ns}_full`)) ? true : undefined;
      });
      // Its serial log stays for users to read, and the finalizer until the VMI is deleted.
      assert.ok(await exists(serialLog(agent, ns, "full")));
      assert.ok((await getVmi(rest, ns, "full"))?.metadata.finalizers?.includes(AGENT_FINALIZER));
      if (!CONTROLLERS_IN_STACK) {
        // With the real controllers, the pod of an ended VMI is deleted at once instead.
        await eventually("the launcher pod to be reported Succeeded", async () => {
          const pod = await launcherPod();
          return pod?.status?.phase === "Succeeded" ? pod : undefined;
        }, 30_000);
      } else {
        await eventually("the ended VMI's launcher pod to go", async () => {
          const pod = await launcherPod();
          return !pod || pod.status?.phase === "Succeeded" ? true : undefined;
        }, 30_000);
      }

      await rest.delete(virtualMachineInstances, { namespace: ns, name: "full" });
      await eventually("the full VMI and its files to be gone", async () => {
        const gone = !(await getVmi(rest, ns, "full"));
        return gone && !(await exists(join(agent!.dataDir, "run", `${ns}_full`)))
          ? true
          : undefined;
      });

      // Pausing the domain (as the pause subresource will) shows in the Paused condition.
      await libvirt.suspend(`${ns}_web`);
      await eventually("the Paused condition", async () => {
        const vmi = await getVmi(rest, ns, "web");
        const paused = vmi?.status?.conditions?.find((c) => c.type === "Paused");
        return paused?.status === "True" && paused.reason === "PausedByUser" ? true : undefined;
      });
      await libvirt.resume(`${ns}_web`);
      await eventually("the Paused condition to go", async () => {
        const vmi = await getVmi(rest, ns, "web");
        return vmi?.status?.conditions?.some((c) => c.type === "Paused") ? undefined : true;
      });

      // Delete: the guest ignores ACPI, so after its 2 s grace period the domain is destroyed.
      const [qemu] = await qemuPids(`${ns}_web`);
      assert.ok(qemu, "web has a QEMU process");
      await rest.delete(virtualMachineInstances, { namespace: ns, name: "web" });
      await eventually(
        "the web VMI to be gone",
        async () => (await getVmi(rest, ns, "web")) ? undefined : true,
        60_000,
      );
      assert.equal(await domainExists(libvirt, `${ns}_web`), false);
      assert.deepEqual(await qemuPids(`${ns}_web`), []);
      assert.equal(await exists(join(agent.dataDir, "run", `${ns}_web`)), false);

      // The Lease was renewed meanwhile (every 10 s).
      await eventually("the node lease to be renewed", async () => {
        const lease = await rest.get<Lease>(leases, {
          namespace: "kube-node-lease",
          name: agent!.node,
        });
        return lease.spec?.renewTime !== firstLease.spec?.renewTime ? true : undefined;
      }, 20_000);
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

Deno.test("agent tears down a VMI deleted while its domain starts, and deleted twice", async () => {
  const rest = adminRest(stack);
  const libvirt = await testLibvirt(stack);
  let agent: AgentDaemon | undefined;
  await withNamespace(stack.admin, "agent-del", async (ns) => {
    try {
      agent = await startAgentDaemon(stack);
      const vmi = await createScheduledVmi(
        rest,
        ns,
        "quick",
        vmiSpec(await guestDisk(agent, "quick")),
        agent.node,
      );
      await eventually(
        "the domain to be defined",
        async () => (await domainExists(libvirt, `${ns}_quick`)) || undefined,
        60_000,
      );
      await rest.delete(virtualMachineInstances, { namespace: ns, name: "quick" });
      await rest.delete(virtualMachineInstances, { namespace: ns, name: "quick" }).catch(() => {});
      await eventually(
        "the VMI to be gone",
        async () => (await getVmi(rest, ns, "quick")) ? undefined : true,
        60_000,
      );
      assert.equal(await domainExists(libvirt, `${ns}_quick`), false);
      assert.deepEqual(await qemuPids(`${ns}_quick`), []);
      assert.equal(await exists(join(agent.dataDir, "vmis", vmi.metadata.uid!)), false);
      assert.equal(await exists(join(agent.dataDir, "run", `${ns}_quick`)), false);
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

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
