/**
 * kube-proxy on the local stack: Services as nftables rules in the machine's root network
 * namespace, for the stack's node. It writes no sysctls (conntrack sizing and timeouts are left
 * as the machine has them), and `down` removes its rules with `kube-proxy --cleanup`.
 */
import { basename, dirname, join } from "node:path";
import { type CommandResult, run } from "../lib/exec.ts";
import type { Component } from "./components.ts";
import { kubeconfigFor } from "./control_plane.ts";
import type { StackPaths } from "./paths.ts";
import { CLUSTER_CIDR, STACK_NODE_NAME } from "./pod_network.ts";
import type { StackPorts } from "./ports.ts";
import { answersOk } from "./readiness.ts";

/** The daemon's name (`run/kube-proxy.pid`), its identity and its command. */
export const KUBE_PROXY = "kube-proxy";
/** nftables: the kernel (6.x) and nft (1.0.6) of the machines the stack runs on support it. */
export const KUBE_PROXY_MODE = "nftables";

const CONFIG_FILE = "kube-proxy.json";

/** Where kube-proxy's KubeProxyConfiguration is written: the stack's home. */
export function kubeProxyConfigFile(paths: StackPaths): string {
  return join(paths.home, CONFIG_FILE);
}

/** kube-proxy's configuration: nftables mode, loopback health and metrics, no sysctl writes. */
export function kubeProxyConfig(kubeconfig: string, ports: StackPorts): Record<string, unknown> {
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    clientConnection: { kubeconfig },
    hostnameOverride: STACK_NODE_NAME,
    mode: KUBE_PROXY_MODE,
    clusterCIDR: CLUSTER_CIDR,
    detectLocalMode: "ClusterCIDR",
    healthzBindAddress: `127.0.0.1:${ports.kubeProxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${ports.kubeProxyMetrics}`,
    // The node's address is loopback, where nftables mode serves no NodePorts; "primary" would
    // then mean every local address, the machine's own network included. NodePorts answer on
    // the pod bridge's address (inside the cluster CIDR) instead: from the node and its pods.
    nodePortAddresses: [CLUSTER_CIDR],
    // Zeros leave every nf_conntrack sysctl as it is: the machine is not the stack's to tune.
    conntrack: {
      maxPerCore: 0,
      min: 0,
      tcpEstablishedTimeout: "0s",
      tcpCloseWaitTimeout: "0s",
      udpTimeout: "0s",
      udpStreamTimeout: "0s",
    },
    // As every other process of the stack, not the -999 kube-proxy gives itself on a node.
    oomScoreAdj: 0,
    enableProfiling: false,
  };
}

/**
 * kube-proxy as a component. Ready is its /healthz, which also needs the stack's Node (the
 * agent registers it); a stack without the roles has no Node, so there /livez says it synced.
 */
export function kubeProxyComponent(
  paths: StackPaths,
  ports: StackPorts,
  binary: string,
  nodeExpected: boolean,
): Component {
  const file = kubeProxyConfigFile(paths);
  const path = nodeExpected ? "healthz" : "livez";
  return {
    spec: { name: KUBE_PROXY, command: binary, args: [`--config=${file}`] },
    prepare: async () => {
      const config = kubeProxyConfig(kubeconfigFor(paths, KUBE_PROXY), ports);
      await Deno.writeTextFile(file, JSON.stringify(config, null, 2) + "\n");
    },
    ready: () => answersOk(`http://127.0.0.1:${ports.kubeProxyHealthz}/${path}`),
    // It waits up to 30 s for its Node before it serves, and the agent starts after it.
    timeoutMs: 120_000,
  };
}

/** `kube-proxy --cleanup`: removes its nftables table (and any KUBE-* iptables chains). */
export function cleanupKubeProxy(binary: string): Promise<CommandResult> {
  return run(binary, ["--cleanup", `--proxy-mode=${KUBE_PROXY_MODE}`]);
}

/**
 * The homes of other stacks whose kube-proxy runs on this machine. Services rules, the pod
 * bridge and the pod CIDR are machine-wide, so only one stack at a time can have them.
 */
export async function otherStacksWithKubeProxy(home: string): Promise<string[]> {
  const homes = new Set<string>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const argv = await Deno.readTextFile(`/proc/${entry.name}/cmdline`)
      .then((text) => text.split("\0"), () => []);
    if (basename(argv[0] ?? "") !== KUBE_PROXY) continue;
    const config = argv.find((arg) => arg.startsWith("--config="))?.slice("--config=".length);
    if (config && basename(config) === CONFIG_FILE) {
      const other = dirname(config);
      if (other !== home.replace(/\/+$/, "")) homes.add(other);
    }
  }
  return [...homes];
}
