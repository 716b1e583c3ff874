/**
 * The configuration files of a kubelet node, as text: containerd's, the kubelet's and the CNI
 * config list. Pure; the values that this kind of machine needs are explained where they are set.
 */
import { cniConflistTemplate, POD_CIDR_PLACEHOLDER } from "../cni_files.ts";
import { CNI_BIN_DIR } from "../pod_network.ts";

/** What containerd needs to know of the node. */
export interface ContainerdSettings {
  root: string;
  state: string;
  opt: string;
  socket: string;
  cniConfDir: string;
  /** The pod sandbox image, imported beforehand: containerd never pulls it. */
  pauseImage: string;
}

/** A quoted TOML string (JSON's escaping is a subset of TOML's basic strings). */
function toml(value: string): string {
  return JSON.stringify(value);
}

/**
 * containerd's config (version 2) with private root, state and sockets. `disable_cgroup`: runc
 * cannot create containers where the memory cgroup is unusable (as on hosts without a delegated
 * cgroup tree), so the CRI plugin asks for none.
 */
export function containerdConfig(s: ContainerdSettings): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"]';
  return [
    "version = 2",
    `root = ${toml(s.root)}`,
    `state = ${toml(s.state)}`,
    "",
    "[grpc]",
    `  address = ${toml(s.socket)}`,
    "[ttrpc]",
    `  address = ${toml(`${s.socket}.ttrpc`)}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${toml(s.opt)}`,
    cri,
    `  sandbox_image = ${toml(s.pauseImage)}`,
    "  disable_cgroup = true",
    "  disable_apparmor = true",
    "  restrict_oom_score_adj = true",
    '  stream_server_address = "127.0.0.1"',
    `${cri.slice(0, -1)}.cni]`,
    `  bin_dir = ${toml(CNI_BIN_DIR)}`,
    `  conf_dir = ${toml(s.cniConfDir)}`,
    "  max_conf_num = 1",
    `${cri.slice(0, -1)}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `${cri.slice(0, -1)}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    "",
  ].join("\n");
}

/** What the kubelet needs to know of the node. */
export interface KubeletSettings {
  address: string;
  caFile: string;
  /** Its serving certificate and key, of the stack's CA. */
  certFile: string;
  keyFile: string;
  containerdSocket: string;
}

/**
 * A KubeletConfiguration (JSON is YAML). Without usable cgroups (cgroup v1, no memory
 * controller): no QoS cgroups, no node-allocatable enforcement, cgroup v1 allowed. Image GC
 * never runs: the node's images are imported, and one collected could not be pulled again.
 * Clients must show a certificate of the stack's CA, and what they may do is asked of the API
 * server, as on a kubeadm node.
 */
export function kubeletConfig(s: KubeletSettings): string {
  const config = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: s.address,
    port: 10250,
    readOnlyPort: 0,
    tlsCertFile: s.certFile,
    tlsPrivateKeyFile: s.keyFile,
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: s.caFile },
    },
    authorization: { mode: "Webhook" },
    containerRuntimeEndpoint: `unix://${s.containerdSocket}`,
    cgroupDriver: "cgroupfs",
    cgroupsPerQOS: false,
    enforceNodeAllocatable: [],
    failCgroupV1: false,
    failSwapOn: false,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      "memory.available": "1Mi",
      "nodefs.available": "1%",
      "imagefs.available": "1%",
      "nodefs.inodesFree": "1%",
    },
    clusterDomain: "cluster.local",
    serializeImagePulls: false,
  };
  return JSON.stringify(config, null, 2) + "\n";
}

/** The stack's CNI config list for a node whose pod CIDR is `podCidr`. */
export function cniConflist(podCidr: string, ipamDir: string): string {
  return cniConflistTemplate(ipamDir).replace(POD_CIDR_PLACEHOLDER, podCidr);
}
