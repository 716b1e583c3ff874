/** The Kubernetes control plane of the local stack: what each component runs with, and when it is ready. */
import { join } from "node:path";
import type { DaemonSpec } from "./daemon.ts";
import type { KubeBinaries } from "./kube_binaries.ts";
import type { StackPaths } from "./paths.ts";
import { KUBELET_CLIENT_IDENTITY } from "../api/contract.ts";
import { pkiFiles } from "./pki.ts";
import { CLUSTER_CIDR, NODE_CIDR_MASK_SIZE, SERVICE_CLUSTER_IP_RANGE } from "./pod_network.ts";
import type { StackPorts } from "./ports.ts";

/** The kubeconfig a component identity uses. */
export function kubeconfigFor(paths: StackPaths, identity: string): string {
  return identity === "admin"
    ? paths.kubeconfig
    : join(paths.home, "kubeconfigs", `${identity}.json`);
}

/** The API server's URL on loopback. */
export function apiserverUrl(ports: StackPorts): string {
  return `https://127.0.0.1:${ports.apiserver}`;
}

/** etcd: loopback only, one member. */
export function etcdSpec(paths: StackPaths, ports: StackPorts, bins: KubeBinaries): DaemonSpec {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return {
    name: "etcd",
    command: bins.etcd,
    args: [
      "--name=denovirt",
      `--data-dir=${paths.etcdData}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=denovirt=${peer}`,
      "--listen-metrics-urls=",
      "--log-level=warn",
      ...(Deno.env.get("DENOVIRT_ETCD_NO_FSYNC") === "1" ? ["--unsafe-no-fsync"] : []),
    ],
  };
}

/** kube-apiserver with RBAC, the front proxy for aggregation, and service-account signing. */
export function apiserverSpec(
  paths: StackPaths,
  ports: StackPorts,
  bins: KubeBinaries,
): DaemonSpec {
  const pki = pkiFiles(paths.pki);
  return {
    name: "kube-apiserver",
    command: bins.kubeApiserver,
    args: [
      `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${ports.apiserver}`,
      `--tls-cert-file=${pki.cert("serving-kube-apiserver")}`,
      `--tls-private-key-file=${pki.key("serving-kube-apiserver")}`,
      `--client-ca-file=${pki.caCert}`,
      "--authorization-mode=Node,RBAC",
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      // Endpoints may not hold loopback addresses, so the `kubernetes` Service has none.
      "--endpoint-reconciler-type=none",
      "--allow-privileged=true",
      `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${pki.cert("front-proxy-client")}`,
      `--proxy-client-key-file=${pki.key("front-proxy-client")}`,
      // Towards kubelets, and the agents serving a kubelet's log endpoint on kubelet-less nodes:
      // a client certificate of the cluster CA; their serving certificates must be of that CA
      // too, for the Node's InternalIP (a Hostname need not resolve on the stack).
      `--kubelet-client-certificate=${pki.cert(KUBELET_CLIENT_IDENTITY)}`,
      `--kubelet-client-key=${pki.key(KUBELET_CLIENT_IDENTITY)}`,
      `--kubelet-certificate-authority=${pki.caCert}`,
      "--kubelet-preferred-address-types=InternalIP,Hostname",
      "--profiling=false",
      ...extraArgs("DENOVIRT_APISERVER_ARGS"),
    ],
  };
}

/** Extra arguments from an environment variable, space-separated (used by the test stack). */
function extraArgs(variable: string): string[] {
  return (Deno.env.get(variable) ?? "").split(" ").filter((arg) => arg);
}

/** How long kube-controller-manager waits for a node's Lease before it marks the node NotReady. */
export const NODE_MONITOR_GRACE_SECONDS = 30;

/**
 * kube-controller-manager: every default controller, each with its own service account; its
 * node-ipam controller gives each Node a /24 of the cluster CIDR (`spec.podCIDR`).
 */
export function controllerManagerSpec(
  paths: StackPaths,
  ports: StackPorts,
  bins: KubeBinaries,
): DaemonSpec {
  const pki = pkiFiles(paths.pki);
  const kubeconfig = kubeconfigFor(paths, "kube-controller-manager");
  return {
    name: "kube-controller-manager",
    command: bins.kubeControllerManager,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.controllerManager}`,
      `--tls-cert-file=${pki.cert("serving-kube-controller-manager")}`,
      `--tls-private-key-file=${pki.key("serving-kube-controller-manager")}`,
      `--service-account-private-key-file=${pki.saKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      "--use-service-account-credentials=true",
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      "--allocate-node-cidrs=true",
      `--cluster-cidr=${CLUSTER_CIDR}`,
      `--node-cidr-mask-size=${NODE_CIDR_MASK_SIZE}`,
      // Below the controllers' nodeUnresponsiveSeconds (40 s here): a silent node is NotReady
      // and tainted unreachable:NoSchedule before its VMs are started again elsewhere.
      `--node-monitor-grace-period=${NODE_MONITOR_GRACE_SECONDS}s`,
      "--leader-elect=false",
      "--profiling=false",
    ],
  };
}

/**
 * kube-scheduler's client rate to the API server (requests/s, and the burst above it). Its
 * default, 50/s, is the binding rate at most: one binding per pod, its Event on a client of the
 * same rate; denovirt's launcher pods are bound as fast as the API server takes them
 * (docs/nodes.md, "Tuning").
 */
export const SCHEDULER_API_QPS = 200;
export const SCHEDULER_API_BURST = 400;

/** kube-scheduler with its own identity. */
export function schedulerSpec(
  paths: StackPaths,
  ports: StackPorts,
  bins: KubeBinaries,
): DaemonSpec {
  const pki = pkiFiles(paths.pki);
  const kubeconfig = kubeconfigFor(paths, "kube-scheduler");
  return {
    name: "kube-scheduler",
    command: bins.kubeScheduler,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.scheduler}`,
      `--tls-cert-file=${pki.cert("serving-kube-scheduler")}`,
      `--tls-private-key-file=${pki.key("serving-kube-scheduler")}`,
      // Deprecated like --kubeconfig above but kept by v1.36; a --config file would replace all.
      `--kube-api-qps=${SCHEDULER_API_QPS}`,
      `--kube-api-burst=${SCHEDULER_API_BURST}`,
      "--leader-elect=false",
      "--profiling=false",
    ],
  };
}
