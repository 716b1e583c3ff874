/**
 * The local stack with a second node, the whole way: node 2 has its own Node (Ready, its own pod
 * CIDR), its libvirtd answers node 1 on qemu+tcp and the other way round with another host UUID,
 * a VM pinned to each node serves HTTP at its pod IP to this machine, the guest on node 1 reaches
 * the guest on node 2, and `node kill` stops node 2's agent, libvirt and guest at once (its Lease
 * stops) until it is brought back. Traffic goes only to addresses inside namespaces the stack made.
 */
import assert from "node:assert/strict";
import type { Pod } from "../api/mod.ts";
import { runChecked } from "../lib/exec.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import {
  leases,
  nodes,
  pods,
  virtualMachineInstances,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { LEASE_RENEW_MS, NODE_LEASE_NAMESPACE } from "../agent/node/node_controller.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { waitForSerial } from "./support/agent.ts";
import { assertGuestServes, httpGet, webVm as guestWebVm } from "./support/guest_http.ts";
import {
  killTestNode,
  ownNode,
  processesOf,
  reviveNode,
  type TestNode,
  withExtraNode,
} from "./support/nodes.ts";
import { adminRest, getVmi, waitForPhase } from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
await ensureGuestFixture();

interface NodeObject extends KubeObject {
  spec?: { podCIDR?: string };
  status?: {
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
  };
}

/** A fixture VM on `node`'s pod network, serving HTTP on port 80. */
function webVm(name: string, node: string, userData?: string) {
  return guestWebVm(name, node, `127.0.0.1:${stack.ports.registry}`, userData);
}

/** The host UUID a node's libvirtd reports, asked over TCP from `netns` (or the root namespace). */
async function hostUuidOver(uri: string, netns?: string): Promise<string> {
  const virsh = ["virsh", "-c", uri, "capabilities"];
  const xml = netns
    ? await runChecked("ip", ["netns", "exec", netns, ...virsh])
    : await runChecked(virsh[0]!, virsh.slice(1));
  return xml.match(/<uuid>([^<]+)<\/uuid>/)?.[1] ?? "";
}

Deno.test({
  name: "withExtraNode: a second node runs VMs on its pod network, is killed as by a power " +
    "failure and comes back",
  fn: async (t) => {
    const rest = adminRest(stack);
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    const one = ownNode(stack);
    await withExtraNode(stack, async (two: TestNode) => {
      await withNamespace(stack.admin, "multinode", async (ns) => {
        const podIpOf = async (vmi: string) =>
          (await rest.list<Pod>(pods, {
            namespace: ns,
            labelSelector: `vmi.kubevirt.io/id=${vmi}`,
          }))
            .items[0]?.status?.podIP;
        try {
          await step("both Nodes are Ready with their own addresses and pod CIDRs", async () => {
            const cidrs = [];
            for (const node of [one, two]) {
              const object = await eventually(`${node.name} Ready`, async () => {
                const got = await rest.get<NodeObject>(nodes, { name: node.name });
                const ready = got.status?.conditions?.find((c) => c.type === "Ready");
                return ready?.status === "True" ? got : undefined;
              }, 60_000);
              const internal = object.status?.addresses?.find((a) => a.type === "InternalIP");
              assert.equal(internal?.address, node.address);
              assert.match(object.spec?.podCIDR ?? "", /^10\.244\.\d+\.0\/24$/);
              cidrs.push(object.spec!.podCIDR);
            }
            assert.notEqual(cidrs[0], cidrs[1]);
          });

          await step(
            "each libvirtd answers the other node on qemu+tcp as another host",
            async () => {
              const twoFromOne = await hostUuidOver(two.libvirtTcpUri);
              const oneFromTwo = await hostUuidOver(one.libvirtTcpUri, two.node.netns);
              assert.match(twoFromOne, /^[0-9a-f-]{36}$/);
              assert.match(oneFromTwo, /^[0-9a-f-]{36}$/);
              assert.notEqual(twoFromOne, oneFromTwo);
            },
          );

          let ipTwo = "";
          await step("a VM pinned to node 2 runs there and serves HTTP at its pod IP", async () => {
            await rest.create(
              virtualMachines,
              {
                ...webVm("web-two", two.name),
                metadata: { name: "web-two", namespace: ns },
              } as KubeObject,
            );
            await waitForPhase(rest, ns, "web-two", "Running", 180_000);
            assert.equal((await getVmi(rest, ns, "web-two"))?.status?.nodeName, two.name);
            ipTwo = await eventually("the pod IP on node 2", () => podIpOf("web-two"), 60_000);
            await assertGuestServes(ipTwo, "web-two", two.name);
          });

          await step("a VM on node 1 serves HTTP and reaches the guest on node 2", async () => {
            // busybox nc: the static busybox wget of the fixture segfaults.
            const fetchTwo = `#!/bin/sh
( for i in $(seq 1 120); do
    body=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${ipTwo} 80 | tail -n 1)
    if [ -n "$body" ]; then echo "FETCHED[$body]"; break; fi
    sleep 1
  done ) &
`;
            await rest.create(
              virtualMachines,
              {
                ...webVm("web-one", one.name, fetchTwo),
                metadata: { name: "web-one", namespace: ns },
              } as KubeObject,
            );
            await waitForPhase(rest, ns, "web-one", "Running", 180_000);
            assert.equal((await getVmi(rest, ns, "web-one"))?.status?.nodeName, one.name);
            const ipOne = await eventually(
              "the pod IP on node 1",
              () => podIpOf("web-one"),
              60_000,
            );
            await assertGuestServes(ipOne, "web-one", one.name);
            await waitForSerial(one, ns, "web-one", "FETCHED[denovirt-guest web-two]");
          });

          await step(
            "node kill stops node 2's agent, libvirt and guest at once; its Lease stops",
            async () => {
              const qemus = (await processesOf(stack, two)).length;
              assert.ok(qemus >= 4, `agent, virtlogd, libvirtd and a qemu run on node 2: ${qemus}`);
              await killTestNode(stack, two);
              assert.deepEqual(await processesOf(stack, two), []);
              const renewed = async () =>
                (await rest.get<KubeObject & { spec?: { renewTime?: string } }>(leases, {
                  namespace: NODE_LEASE_NAMESPACE,
                  name: two.name,
                })).spec?.renewTime;
              const before = await renewed();
              // No condition to await: the Lease must stay as it is over two renew intervals.
              await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_RENEW_MS + 1_000));
              assert.equal(await renewed(), before);
              await assert.rejects(httpGet(ipTwo));
            },
          );

          await step("bringing node 2 back makes it Ready and renewing again", async () => {
            const killedAt = Date.now();
            await reviveNode(stack, two);
            await eventually("node 2's Lease renewed", async () => {
              const lease = await rest.get<KubeObject & { spec?: { renewTime?: string } }>(leases, {
                namespace: NODE_LEASE_NAMESPACE,
                name: two.name,
              });
              return Date.parse(lease.spec?.renewTime ?? "") > killedAt ? true : undefined;
            }, 60_000);
            const node = await rest.get<NodeObject>(nodes, { name: two.name });
            assert.equal(node.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
          });
        } finally {
          for (const name of ["web-one", "web-two"]) {
            await rest.delete(virtualMachines, { namespace: ns, name }).catch(() => {});
          }
          await eventually(
            "the VMIs gone",
            async () =>
              (await rest.list(virtualMachineInstances, { namespace: ns })).items.length === 0
                ? true
                : undefined,
            120_000,
          )
            .catch((error) => console.error(`Cleanup: ${error.message}`));
        }
      });
    });
  },
});
