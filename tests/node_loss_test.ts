/**
 * Node loss and fencing with a second node (docs/node-loss.md): a VM running Always on node 2 comes
 * back on denovirt-local when node 2 is lost (its VMI failed as NodeUnresponsive), node 2 removes
 * the stale domain when it returns, and two copies never run at once; a node cut off from the API
 * server with its agent alive destroys its guest within the fence time.
 */
import assert from "node:assert/strict";
import { DEFAULT_FENCE_SECONDS, LEASE_RENEW_SECONDS, NODE_LEASE_NAMESPACE } from "../api/mod.ts";
import { runChecked } from "../lib/exec.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { events, leases, nodes, virtualMachines } from "../lib/kube/resources.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { STACK_NODE_NAME } from "../stack/pod_network.ts";
import { containerDiskVm } from "./support/container_disks.ts";
import {
  killTestNode,
  ownNode,
  reviveNode,
  type TestNode,
  withExtraNode,
} from "./support/nodes.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";
import { adminRest, getVmi } from "./support/vmis.ts";

const stack = await testStack();
const THRESHOLD_SECONDS = 40; // manifests/local/60-denovirt-config.yaml

/** A VM with runStrategy Always, not pinned: kube-scheduler picks any schedulable node. */
function alwaysVm(name: string, namespace: string): KubeObject {
  const image = `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`;
  const vm = containerDiskVm(name, STACK_NODE_NAME, image);
  delete (vm.spec.template.spec as { nodeSelector?: unknown }).nodeSelector;
  return { ...vm, metadata: { name, namespace } } as KubeObject;
}

/** The names of the domains running on a node's libvirt (none when it does not answer). */
async function runningDomains(node: TestNode): Promise<string[]> {
  try {
    const out = await runChecked("virsh", ["-c", node.libvirtUri, "list", "--name"]);
    return out.split("\n").map((l) => l.trim()).filter((l) => l);
  } catch {
    return [];
  }
}

/** Every domain defined on a node's libvirt, running or not. */
async function definedDomains(node: TestNode): Promise<string[]> {
  const out = await runChecked("virsh", ["-c", node.libvirtUri, "list", "--all", "--name"]);
  return out.split("\n").map((l) => l.trim()).filter((l) => l);
}

/**
 * Samples both nodes' running domains of `domain` until stopped; `most` is the largest number of
 * copies seen running at one moment.
 */
function watchCopies(nodesToWatch: TestNode[], domain: string) {
  let most = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const counts = await Promise.all(
        nodesToWatch.map(async (n) => (await runningDomains(n)).filter((d) => d === domain).length),
      );
      most = Math.max(most, counts.reduce((a, b) => a + b, 0));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    get most() {
      return most;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

async function setUnschedulable(rest: RestClient, node: string, unschedulable: boolean) {
  await rest.patch(nodes, { name: node }, { spec: { unschedulable } }, { type: "merge" });
}

/** Starts the VM on node 2 (node 1 cordoned meanwhile); answers its running VMI. */
async function startOnNodeTwo(rest: RestClient, ns: string, name: string, two: TestNode) {
  await setUnschedulable(rest, STACK_NODE_NAME, true);
  try {
    await rest.create(virtualMachines, alwaysVm(name, ns));
    return await eventually(`VMI ${name} Running on ${two.name}`, async () => {
      const vmi = await getVmi(rest, ns, name);
      return vmi?.status?.phase === "Running" ? vmi : undefined;
    }, 180_000);
  } finally {
    await setUnschedulable(rest, STACK_NODE_NAME, false);
  }
}

Deno.test({
  name: "node loss: a VM Always on a killed node 2 is failed NodeUnresponsive, runs again on " +
    "denovirt-local, and node 2 back removes its stale domain; never two copies",
  fn: async () => {
    const rest = adminRest(stack);
    const one = ownNode(stack);
    await withExtraNode(stack, async (two) => {
      await withNamespace(stack.admin, "node-loss", async (ns) => {
        const domain = `${ns}_web`;
        const watcher = watchCopies([one, two], domain);
        try {
          const first = await startOnNodeTwo(rest, ns, "web", two);
          assert.equal(first.status?.nodeName, two.name);
          const killedAt = Date.now();
          await killTestNode(stack, two);

          const failedAt = await eventually(
            "the NodeUnresponsive Event of the first VMI",
            async () => {
              const list = await rest.list<
                KubeObject & { reason?: string; involvedObject?: { uid?: string } }
              >(
                events,
                { namespace: ns },
              );
              const event = list.items.find((e) =>
                e.reason === "NodeUnresponsive" && e.involvedObject?.uid === first.metadata.uid
              );
              return event ? Date.now() : undefined;
            },
            (THRESHOLD_SECONDS + 30) * 1000,
          );
          const again = await eventually("a new VMI Running on denovirt-local", async () => {
            const vmi = await getVmi(rest, ns, "web");
            return vmi && vmi.metadata.uid !== first.metadata.uid &&
                vmi.status?.phase === "Running"
              ? vmi
              : undefined;
          }, (THRESHOLD_SECONDS + 180) * 1000);
          const runningAt = Date.now();
          assert.equal(again.status?.nodeName, STACK_NODE_NAME);
          console.log(
            `Node 2 killed: VMI failed NodeUnresponsive after ${
              ((failedAt - killedAt) / 1000).toFixed(1)
            } s, running again on ${STACK_NODE_NAME} after ${
              ((runningAt - killedAt) / 1000).toFixed(1)
            } s`,
          );
          assert.ok(failedAt - killedAt >= (THRESHOLD_SECONDS - LEASE_RENEW_SECONDS) * 1000);

          await reviveNode(stack, two);
          await eventually("node 2's stale domain removed", async () => {
            const left = (await definedDomains(two)).filter((d) => d === domain);
            return left.length === 0 ? true : undefined;
          }, 60_000);
          assert.equal((await getVmi(rest, ns, "web"))?.status?.phase, "Running");
          await watcher.stop();
          assert.equal(watcher.most, 1, "at most one copy ever ran");
        } finally {
          await watcher.stop();
          await rest.delete(virtualMachines, { namespace: ns, name: "web" }).catch(() => {});
          await eventually(
            "the VMI gone",
            async () => (await getVmi(rest, ns, "web")) ? undefined : true,
            120_000,
          ).catch(() => {});
        }
      });
    });
  },
});

Deno.test({
  name: "self-fencing: node 2 cut off from the API server destroys its guest within the fence time",
  fn: async () => {
    const rest = adminRest(stack);
    const one = ownNode(stack);
    await withExtraNode(stack, async (two) => {
      await withNamespace(stack.admin, "self-fence", async (ns) => {
        const domain = `${ns}_web`;
        try {
          await startOnNodeTwo(rest, ns, "web", two);
          assert.deepEqual((await runningDomains(two)).filter((d) => d === domain), [domain]);
          const cutAt = Date.now();
          await runChecked("ip", ["link", "set", two.node.veth!, "down"]);
          const goneAt = await eventually(
            "node 2's agent to destroy its guest",
            async () => (await runningDomains(two)).includes(domain) ? undefined : Date.now(),
            60_000,
          );
          console.log(
            `Node 2 cut off: its agent destroyed the guest after ${
              ((goneAt - cutAt) / 1000).toFixed(1)
            } s`,
          );
          // Counted from the last renewal the API server holds (node 2's clock is this machine's).
          const lease = await rest.get<KubeObject & { spec?: { renewTime?: string } }>(leases, {
            namespace: NODE_LEASE_NAMESPACE,
            name: two.name,
          });
          const sinceRenewal = goneAt - Date.parse(lease.spec?.renewTime ?? "");
          console.log(`... ${(sinceRenewal / 1000).toFixed(1)} s after its last Lease renewal`);
          assert.ok(goneAt - cutAt >= (DEFAULT_FENCE_SECONDS - LEASE_RENEW_SECONDS - 1) * 1000);
          assert.ok(sinceRenewal >= DEFAULT_FENCE_SECONDS * 1000, `${sinceRenewal} ms`);
          // Destroying a guest and this test's sampling take a moment; the controllers act 20 s later.
          assert.ok(sinceRenewal <= (DEFAULT_FENCE_SECONDS + 5) * 1000, `${sinceRenewal} ms`);
          assert.ok(!(await runningDomains(one)).includes(domain), "no copy on node 1 yet");
        } finally {
          await runChecked("ip", ["link", "set", two.node.veth!, "up"]).catch(() => {});
          await rest.delete(virtualMachines, { namespace: ns, name: "web" }).catch(() => {});
          await eventually(
            "the VMI gone",
            async () => (await getVmi(rest, ns, "web")) ? undefined : true,
            120_000,
          ).catch(() => {});
        }
      });
    });
  },
});
