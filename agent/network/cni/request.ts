/**
 * What one plugin call gets (spec 1.0, section 3): the attachment's parameters in CNI_* variables
 * and the request configuration derived from the plugin's configuration on stdin.
 */
import type { CniNetwork } from "./config.ts";
import type { CniCommand, CniErrorContext } from "./errors.ts";
import type { PluginCall } from "./invoke.ts";

/** A port of the pod published on the node (the `portMappings` capability convention). */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp" | "sctp";
  hostIP?: string;
}

/** One attachment: which pod, which network namespace, which interface in it. */
export interface CniRuntime {
  /** CNI_CONTAINERID; one attachment per (network, container id, ifName). */
  containerId: string;
  /** CNI_NETNS: the namespace's path, `/run/netns/<name>`; may be empty on DEL. */
  netns: string;
  /** CNI_IFNAME: `eth0`, `lo`. */
  ifName: string;
  podNamespace: string;
  podName: string;
  podUid: string;
  /** Handed to plugins that declare the capability in their `capabilities`. */
  capabilityArgs?: { portMappings?: PortMapping[] };
}

export interface CniExecOptions {
  /** Where plugin executables are looked for, in order (also CNI_PATH, for IPAM plugins). */
  binDirs: string[];
  /** Where ADD results are kept for DEL and CHECK. */
  cacheDir: string;
  /** Aborting kills the running plugin. */
  signal?: AbortSignal;
}

const ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** The capabilities this runtime provides arguments for. */
const CAPABILITIES = ["portMappings"] as const;

/** The call of `plugin` of `net` for this attachment, given the previous result if any. */
export function pluginCallOf(
  command: CniCommand,
  net: CniNetwork,
  plugin: Record<string, unknown>,
  runtime: CniRuntime,
  opts: CniExecOptions,
  previous: Record<string, unknown> | undefined,
): PluginCall {
  const { capabilities, ...config } = plugin;
  const request: Record<string, unknown> = {
    ...config,
    name: net.name,
    cniVersion: net.cniVersion,
  };
  const runtimeConfig: Record<string, unknown> = {};
  const declared = (capabilities ?? {}) as Record<string, unknown>;
  for (const capability of CAPABILITIES) {
    const value = runtime.capabilityArgs?.[capability];
    if (declared[capability] === true && value !== undefined) runtimeConfig[capability] = value;
  }
  if (Object.keys(runtimeConfig).length > 0) request.runtimeConfig = runtimeConfig;
  if (previous !== undefined) request.prevResult = previous;
  return {
    context: contextOf(command, plugin, runtime),
    binDirs: opts.binDirs,
    env: {
      CNI_COMMAND: command,
      CNI_CONTAINERID: runtime.containerId,
      CNI_NETNS: runtime.netns,
      CNI_IFNAME: runtime.ifName,
      CNI_ARGS: cniArgsOf(runtime).map(([k, v]) => `${k}=${v}`).join(";"),
      CNI_PATH: opts.binDirs.join(":"),
    },
    stdin: JSON.stringify(request),
    signal: opts.signal,
  };
}

/** The Kubernetes pod arguments a kubelet passes, in its order. */
export function cniArgsOf(runtime: CniRuntime): [string, string][] {
  return [
    ["IgnoreUnknown", "1"],
    ["K8S_POD_NAMESPACE", runtime.podNamespace],
    ["K8S_POD_NAME", runtime.podName],
    ["K8S_POD_INFRA_CONTAINER_ID", runtime.containerId],
    ["K8S_POD_UID", runtime.podUid],
  ];
}

function contextOf(
  command: CniCommand,
  plugin: Record<string, unknown>,
  runtime: CniRuntime,
): CniErrorContext {
  const pod = `${runtime.podNamespace}/${runtime.podName}`;
  return { command, plugin: String(plugin.type), ifName: runtime.ifName, pod };
}

/** The spec's rules for the attachment parameters: they reach file names and CNI_ARGS. */
export function checkRuntime(runtime: CniRuntime, command: CniCommand): void {
  const { containerId, ifName, podNamespace, podName, podUid } = runtime;
  const problem = !ID.test(containerId)
    ? `container id "${containerId}" must start with a letter or digit, then letters, digits, _ . -`
    : !/^[^\s/:]{1,15}$/.test(ifName) || ifName === "." || ifName === ".."
    ? `interface name "${ifName}" must be 1 to 15 characters without /, : or spaces`
    : command !== "DEL" && runtime.netns === ""
    ? "no network namespace"
    : [podNamespace, podName, podUid].some((v) => /[;=\s]/.test(v))
    ? "pod namespace, name and uid cannot hold ; = or spaces"
    : undefined;
  if (problem) {
    throw new Error(`Invalid CNI ${command} of pod ${podNamespace}/${podName}: ${problem}`);
  }
}
