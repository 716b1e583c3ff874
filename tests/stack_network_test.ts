/**
 * The local stack's pod network as users see it: the Node has a pod CIDR, kube-proxy is healthy
 * and programs Services into nftables, and the CNI template is where the agent is told it is.
 * (That `down` leaves nothing behind cannot be tested here: it would tear the suite's stack down.)
 */
import assert from "node:assert/strict";
import { CoreV1Api, DiscoveryV1Api } from "@kubernetes/client-node";
import { run } from "../lib/exec.ts";
import { cniPaths, STACK_NODE_NAME } from "../stack/pod_network.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";
import { rolePid } from "../stack/layout.ts";

const stack = await testStack();

/** kube-proxy's IPv4 table, as `nft` prints it. */
async function kubeProxyTable(): Promise<string> {
  const listed = await run("nft", ["list", "table", "ip", "kube-proxy"]);
  assert.equal(listed.code, 0, `nft list table ip kube-proxy: ${listed.stderr}`);
  return listed.stdout;
}

Deno.test("the stack's Node gets a /24 of the cluster CIDR 10.244.0.0/16 as its podCIDR", async () => {
  const core = stack.admin.makeApiClient(CoreV1Api);
  const podCidr = await eventually("the stack's Node to get a pod CIDR", async () => {
    const node = await core.readNode({ name: STACK_NODE_NAME });
    return node.spec?.podCIDR;
  });
  assert.match(podCidr, /^10\.244\.\d{1,3}\.0\/24$/);
  const node = await core.readNode({ name: STACK_NODE_NAME });
  assert.deepEqual(node.spec?.podCIDRs, [podCidr]);
});

Deno.test("kube-proxy answers /healthz on loopback for the stack's Node", async () => {
  const response = await fetch(`http://127.0.0.1:${stack.ports.kubeProxyHealthz}/healthz`);
  const health = await response.json() as { healthy?: boolean; nodeEligible?: boolean };
  assert.equal(response.status, 200);
  assert.equal(health.healthy, true);
  assert.equal(health.nodeEligible, true);
});

Deno.test("kube-proxy programs a ClusterIP Service and its endpoints into nftables, and removes them", async () => {
  const core = stack.admin.makeApiClient(CoreV1Api);
  const discovery = stack.admin.makeApiClient(DiscoveryV1Api);
  await withNamespace(stack.admin, "kproxy", async (namespace) => {
    const service = await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: "web" },
        spec: { ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] },
      },
    });
    const clusterIp = service.spec?.clusterIP ?? "";
    assert.match(clusterIp, /^10\.96\./, "ClusterIPs come from the service CIDR 10.96.0.0/16");
    // An endpoint nothing answers on: only the rules are looked at, no traffic is sent.
    await discovery.createNamespacedEndpointSlice({
      namespace,
      body: {
        metadata: { name: "web-1", labels: { "kubernetes.io/service-name": "web" } },
        addressType: "IPv4",
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
        endpoints: [{ addresses: ["10.244.0.250"], conditions: { ready: true } }],
      },
    });
    const chain = `${namespace}/web/tcp/http`;
    const table = await eventually("kube-proxy to program the Service", async () => {
      const text = await kubeProxyTable();
      return text.includes(chain) && text.includes("10.244.0.250 . 8080") ? text : undefined;
    });
    assert.ok(table.includes(`${clusterIp} . tcp . 80 : goto service-`), table);
    await core.deleteNamespacedService({ namespace, name: "web" });
    // The ClusterIP leaves the service map at once; the emptied chain goes at a later sync.
    await eventually("kube-proxy to remove the Service's ClusterIP", async () => {
      return (await kubeProxyTable()).includes(`${clusterIp} . tcp . 80`) ? undefined : true;
    });
  });
});

Deno.test("the stack writes the CNI template and its directories and gives the agent their paths", async () => {
  const cni = cniPaths(stack.paths);
  const template = await Deno.readTextFile(cni.template);
  const conflist = JSON.parse(template);
  assert.equal(conflist.name, "denovirt");
  assert.equal(conflist.plugins[0].ipam.ranges[0][0].subnet, "{{.PodCIDR}}");
  assert.equal(conflist.plugins[0].ipam.dataDir, cni.ipamDir);
  for (const dir of [cni.confDir, cni.ipamDir]) assert.ok((await Deno.stat(dir)).isDirectory);
  const pid = await rolePid(stack.paths, "agent");
  assert.ok(pid !== undefined, "the agent runs");
  const args = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
  for (
    const flag of [
      `--cni-conf-dir=${cni.confDir}`,
      "--cni-bin-dir=/usr/lib/cni",
      `--cni-conf-template=${cni.template}`,
    ]
  ) {
    assert.ok(args.includes(flag), `the agent runs with ${flag}`);
  }
});
