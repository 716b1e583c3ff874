/** The agent's command line: `denovirt agent --kubeconfig=... --node-name=... [...]`. */
import { DEFAULT_FENCE_SECONDS, MIN_FENCE_SECONDS, type NodeTaint } from "../api/mod.ts";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isQuantity, parseQuantity } from "../api/quantity.ts";
import { parseTaint } from "./node/node_object.ts";

/**
 * VMIs reconciled at once by default: a start holds its worker through its API writes and the
 * libvirt start (0.5-1.5 s under TCG), so more workers than libvirt's 8 connections (lanes) let
 * VMs created 100 ms apart start side by side, as libvirt alone starts them.
 */
export const DEFAULT_WORKERS = 16;

export interface AgentConfig {
  kubeconfig: string | undefined;
  /** HTTPS port of /healthz, /readyz and the node-level APIs. */
  port: number;
  bindAddress: string;
  tlsCert: string;
  tlsKey: string;
  /** CA whose client certificates the node-level APIs accept. */
  clientCa: string | undefined;
  libvirtUri: string;
  dataDir: string;
  /** Per-VMI sockets and serial logs: `<runDir>/<namespace>_<name>/`. */
  runDir: string;
  nodeName: string;
  /** The node's address: the Node's InternalIP and the launcher pods' hostIP. */
  nodeAddress: string;
  /** Register the Node, renew its Lease and report launcher pods (no kubelet here). */
  registerNode: boolean;
  registerWithTaints: NodeTaint[];
  allowedHostDiskDirs: string[];
  resyncSeconds: number;
  /** No renewal of the node's Lease for this long: destroy every domain, start none. */
  fenceSeconds: number;
  workers: number;
  /** KVM or TCG; `auto` asks libvirt whether it can run KVM domains. */
  kvm: "auto" | boolean;
  /** Bytes of local volumes this node hands out; undefined: the data dir's filesystem less 5 %. */
  localStorageCapacityBytes: bigint | undefined;
  /** Bytes of containerDisk images the node keeps. */
  imageCacheBytes: bigint;
  /** Where the CNI network configuration is read from, as a kubelet reads it. */
  cniConfDir: string;
  /** Directories searched for CNI plugin binaries, in order. */
  cniBinDirs: string[];
  /**
   * A CNI config list with `{{.PodCIDR}}` placeholders, written into the conf dir with the
   * Node's `spec.podCIDR` when the dir holds no configuration (as containerd's conf_template).
   */
  cniConfTemplate: string | undefined;
  /** Release every network sandbox this agent recorded, then exit (the stack's `down`). */
  cleanup: boolean;
  /**
   * `cni`: where no kubelet runs, the agent gives launcher pods their network (CNI sandboxes);
   * `none`: it does not, and guests stay on QEMU's user-mode network.
   */
  podNetwork: "cni" | "none";
}

export const USAGE = `Usage: denovirt agent --node-name=NAME --data-dir=DIR --libvirt-uri=URI
    --port=PORT --tls-cert=FILE --tls-key=FILE [flags]

  --kubeconfig=FILE             kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --client-ca=FILE              CA of the clients of the node-level APIs
  --bind-address=ADDR           address to serve on (default 127.0.0.1)
  --run-dir=DIR                 per-VMI sockets and serial logs (default <data-dir>/run)
  --node-address=ADDR           the node's InternalIP (default 127.0.0.1)
  --register-node               register the Node and report launcher pods (no kubelet)
  --register-with-taints=T      taint key[=value]:Effect of a registered Node (repeatable)
  --allowed-hostdisk-dir=DIR    hostDisk volumes may name files here (repeatable;
                                default <data-dir>/hostdisks)
  --resync-seconds=N            relist libvirt's domains this often, as events can be
                                missed (default 30)
  --fence-seconds=N             when the node's Lease has not been renewed for N seconds,
                                destroy every domain this agent made and start none until
                                it is (default ${DEFAULT_FENCE_SECONDS}; at least ${MIN_FENCE_SECONDS}; the controllers'
                                nodeUnresponsiveSeconds must exceed it by more than 10)
  --workers=N                   VMIs reconciled at once (default ${DEFAULT_WORKERS})
  --kvm=auto|true|false         hardware virtualisation (default auto: ask libvirt)
  --local-storage-capacity=Q    bytes of denovirt-local volumes this node provisions, a
                                quantity such as 100Gi (default: the size of the data
                                dir's filesystem less 5%)
  --image-cache-size=Q          bytes of containerDisk images kept under <data-dir>/images,
                                least recently used unused ones evicted (default 10Gi)
  --cni-conf-dir=DIR            CNI network configuration (default /etc/cni/net.d)
  --cni-bin-dir=DIR[:DIR]       CNI plugins (default /opt/cni/bin:/usr/lib/cni)
  --cni-conf-template=FILE      CNI config list with {{.PodCIDR}}, written into the conf
                                dir with the Node's pod CIDR when the dir holds none
  --cleanup                     release every pod network sandbox this agent made, then exit
  --pod-network=cni|none        join guests to their launcher pods' networks, made with CNI
                                by the agent (--register-node) or by the kubelet's runtime
                                (default), or none (guests on QEMU's user-mode network)`;

/** Parses the agent's flags; throws with a message naming the flag. */
export function parseAgentFlags(args: string[]): AgentConfig {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      kubeconfig: { type: "string" },
      port: { type: "string" },
      "bind-address": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "client-ca": { type: "string" },
      "libvirt-uri": { type: "string" },
      "data-dir": { type: "string" },
      "run-dir": { type: "string" },
      "node-name": { type: "string" },
      "node-address": { type: "string" },
      "register-node": { type: "boolean" },
      "register-with-taints": { type: "string", multiple: true },
      "allowed-hostdisk-dir": { type: "string", multiple: true },
      "resync-seconds": { type: "string" },
      "fence-seconds": { type: "string" },
      workers: { type: "string" },
      kvm: { type: "string" },
      "local-storage-capacity": { type: "string" },
      "image-cache-size": { type: "string" },
      "cni-conf-dir": { type: "string" },
      "cni-bin-dir": { type: "string" },
      "cni-conf-template": { type: "string" },
      cleanup: { type: "boolean" },
      "pod-network": { type: "string" },
    },
  });
  const required = (name: keyof typeof values): string => {
    const value = values[name];
    if (typeof value !== "string" || value === "") throw new Error(`--${name} is required`);
    return value;
  };
  const dataDir = absolute(required("data-dir"), "data-dir");
  return {
    kubeconfig: values.kubeconfig,
    port: integer(required("port"), "port", 1, 65535),
    bindAddress: values["bind-address"] ?? "127.0.0.1",
    tlsCert: required("tls-cert"),
    tlsKey: required("tls-key"),
    clientCa: values["client-ca"],
    libvirtUri: required("libvirt-uri"),
    dataDir,
    runDir: absolute(values["run-dir"] ?? join(dataDir, "run"), "run-dir"),
    nodeName: nodeName(required("node-name")),
    nodeAddress: values["node-address"] ?? "127.0.0.1",
    registerNode: values["register-node"] === true,
    registerWithTaints: (values["register-with-taints"] ?? [])
      .flatMap((t) => t.split(","))
      .filter((t) => t)
      .map(parseTaint),
    allowedHostDiskDirs: (values["allowed-hostdisk-dir"] ?? [join(dataDir, "hostdisks")])
      .map((d) => absolute(d, "allowed-hostdisk-dir")),
    resyncSeconds: integer(values["resync-seconds"] ?? "30", "resync-seconds", 1, 86_400),
    fenceSeconds: integer(
      values["fence-seconds"] ?? String(DEFAULT_FENCE_SECONDS),
      "fence-seconds",
      MIN_FENCE_SECONDS,
      3_600,
    ),
    workers: integer(values.workers ?? String(DEFAULT_WORKERS), "workers", 1, 64),
    kvm: kvmChoice(values.kvm ?? "auto"),
    localStorageCapacityBytes: bytesFlag(
      values["local-storage-capacity"],
      "local-storage-capacity",
    ),
    imageCacheBytes: bytesFlag(values["image-cache-size"] ?? "10Gi", "image-cache-size")!,
    cniConfDir: absolute(values["cni-conf-dir"] ?? "/etc/cni/net.d", "cni-conf-dir"),
    cniBinDirs: (values["cni-bin-dir"] ?? "/opt/cni/bin:/usr/lib/cni").split(":")
      .filter((d) => d).map((d) => absolute(d, "cni-bin-dir")),
    cniConfTemplate: values["cni-conf-template"] === undefined
      ? undefined
      : absolute(values["cni-conf-template"], "cni-conf-template"),
    cleanup: values.cleanup === true,
    podNetwork: podNetworkChoice(values["pod-network"] ?? "cni"),
  };
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `--${flag} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function absolute(path: string, flag: string): string {
  if (!path.startsWith("/")) throw new Error(`--${flag} must be an absolute path, not ${path}`);
  return path.replace(/\/+$/, "") || "/";
}

function nodeName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
    throw new Error(`--node-name must be a DNS subdomain name, not ${JSON.stringify(name)}`);
  }
  return name;
}

function bytesFlag(text: string | undefined, flag: string): bigint | undefined {
  if (text === undefined) return undefined;
  const bytes = isQuantity(text) ? parseQuantity(text).value : 0n;
  if (bytes <= 0n) {
    throw new Error(
      `--${flag} must be a positive quantity such as 100Gi, not ${JSON.stringify(text)}`,
    );
  }
  return bytes;
}

function podNetworkChoice(text: string): "cni" | "none" {
  if (text === "cni" || text === "none") return text;
  throw new Error(`--pod-network must be cni or none, not ${JSON.stringify(text)}`);
}

function kvmChoice(text: string): "auto" | boolean {
  if (text === "auto") return "auto";
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw new Error(`--kvm must be auto, true or false, not ${JSON.stringify(text)}`);
}
