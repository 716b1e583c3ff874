import assert from "node:assert/strict";
import { kubeProxyConfig } from "./kube_proxy.ts";
import { PORT_NAMES, type StackPorts } from "./ports.ts";

const PORTS = Object.fromEntries(PORT_NAMES.map((name, i) => [name, 20000 + i])) as StackPorts;

Deno.test("kubeProxyConfig() runs nftables mode for the stack's node and cluster CIDR", () => {
  const config = kubeProxyConfig("/h/kubeconfigs/kube-proxy.json", PORTS);
  assert.equal(config.apiVersion, "kubeproxy.config.k8s.io/v1alpha1");
  assert.equal(config.kind, "KubeProxyConfiguration");
  assert.equal(config.mode, "nftables");
  assert.equal(config.clusterCIDR, "10.244.0.0/16");
  assert.equal(config.hostnameOverride, "denovirt-local");
  assert.deepEqual(config.clientConnection, { kubeconfig: "/h/kubeconfigs/kube-proxy.json" });
});

Deno.test("kubeProxyConfig() serves health and metrics on the stack's loopback ports only", () => {
  const config = kubeProxyConfig("/k", PORTS);
  assert.equal(config.healthzBindAddress, `127.0.0.1:${PORTS.kubeProxyHealthz}`);
  assert.equal(config.metricsBindAddress, `127.0.0.1:${PORTS.kubeProxyMetrics}`);
  assert.notEqual(PORTS.kubeProxyHealthz, PORTS.kubeProxyMetrics);
  // NodePorts never on the machine's own addresses: only on the pod bridge's.
  assert.deepEqual(config.nodePortAddresses, ["10.244.0.0/16"]);
});

Deno.test("kubeProxyConfig() asks for no conntrack sysctl writes", () => {
  // kube-proxy writes nf_conntrack_max only for maxPerCore > 0, and each timeout only when > 0.
  assert.deepEqual(kubeProxyConfig("/k", PORTS).conntrack, {
    maxPerCore: 0,
    min: 0,
    tcpEstablishedTimeout: "0s",
    tcpCloseWaitTimeout: "0s",
    udpTimeout: "0s",
    udpStreamTimeout: "0s",
  });
});
