/** `up`: bring the local stack to running, starting only what is not running, and say what was done. */
import { join } from "node:path";
import { applyFiles, manifestFiles } from "./apply.ts";
import { type Component, controlPlaneComponents } from "./components.ts";
import { apiserverUrl, kubeconfigFor } from "./control_plane.ts";
import { logFile, runningPid, startDaemon, stopDaemon } from "./daemon.ts";
import { CLIENT_IDENTITIES, SERVING_CERTS } from "./identities.ts";
import { ensureKubeBinaries, kubeBinaryPaths } from "./kube_binaries.ts";
import { cleanupKubeProxy, KUBE_PROXY, kubeProxyComponent } from "./kube_proxy.ts";
import { type PodNetworkMode, preparePodNetwork } from "./network_up.ts";
import { kubeconfigText } from "./kubeconfig.ts";
import { startLibvirt } from "./libvirt_daemon.ts";
import { ensureDebianPackages, STACK_PACKAGES } from "./packages.ts";
import { defaultHome, type StackPaths, stackPaths } from "./paths.ts";
import { ensurePki, pkiFiles } from "./pki.ts";
import { ensurePorts, type StackPorts } from "./ports.ts";
import { httpsClient, waitUntil } from "./readiness.ts";
import { manifestValues } from "./manifest_values.ts";
import { startRoles } from "./roles.ts";
import { type StackNode, stackNode, stackNodes } from "./nodes/addressing.ts";
import { ensureNodesBridge } from "./nodes/node_network.ts";
import { ensureAgentIdentity, ensureHostUuid } from "./nodes/node_identity.ts";
import { controlPlanePorts, ensureNode } from "./nodes/node_up.ts";
import { ensureDemoVm } from "./demo.ts";
import { writeConsoleFile } from "./console_file.ts";
import { publishStackFixture, stackRegistry, stackRegistryComponent } from "./stack_registry.ts";
import { ensureKubeletNodes } from "./kubelet_node/kubelet_nodes_up.ts";

export interface UpOptions {
  home?: string;
  say?: (line: string) => void;
  /** Start the denovirt roles (default true). */
  roles?: boolean;
  /** Create the demo VM from examples/ and wait until it runs (default false; `up` asks for it). */
  demo?: boolean;
  /** `if-free`: run without the pod network when another stack has it (default `required`). */
  podNetwork?: PodNetworkMode;
  /** Bring the stack to this many nodes, adding the missing ones (default 1; never removes). */
  nodes?: number;
  /** Add this many nodes run by a real kubelet and containerd (default 0). */
  kubeletNodes?: number;
  /**
   * Make room for the cluster install (`kubectl apply -k manifests/cluster`, adr/0034): of the
   * roles only the kubelet-less nodes' agents run, the stack registers no webhooks and no
   * aggregated API, and its kubelet nodes get no agent of the stack (default false).
   */
  forClusterInstall?: boolean;
}

export interface RunningStack {
  paths: StackPaths;
  ports: StackPorts;
  server: string;
  libvirtUri: string;
  kvm: boolean;
  /** The stack's registry, `127.0.0.1:<port>`. */
  registry: string;
  /** Whether this stack has the pod network (kube-proxy, CNI for its agent). */
  podNetwork: boolean;
  /** The nodes `up` brought up, node 1 first. */
  nodes: StackNode[];
  /** The kubelet nodes `up` brought up. */
  kubeletNodes: StackNode[];
}

const MANIFESTS_DIR = new URL("../manifests", import.meta.url).pathname;
/** What the local stack applies; `manifests/cluster/` is for real clusters only. */
const STACK_MANIFEST_DIRS = ["base", "crds", "local"];
/** The stack's registrations of its own webhooks and aggregated API, which the install replaces. */
const STACK_REGISTRATIONS = ["local/30-webhooks.yaml", "local/40-apiservice.yaml"];

/** Bring the stack up; on failure or interruption, stop what this call started. */
export async function up(options: UpOptions = {}): Promise<RunningStack> {
  const say = options.say ?? ((line: string) => console.log(line));
  const paths = stackPaths(options.home ?? defaultHome());
  const started: string[] = [];
  const onInterrupt = () => {
    say("Interrupted: stopping what this run started");
    Promise.all(started.map((name) => stopDaemon(paths, name))).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  Deno.addSignalListener("SIGTERM", onInterrupt);
  try {
    return await bringUp(paths, options, say, started);
  } catch (error) {
    for (const name of started.reverse()) await stopDaemon(paths, name);
    if (started.includes(KUBE_PROXY)) await cleanupKubeProxy(kubeBinaryPaths().kubeProxy);
    throw error;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    Deno.removeSignalListener("SIGTERM", onInterrupt);
  }
}

async function bringUp(
  paths: StackPaths,
  options: UpOptions,
  say: (line: string) => void,
  started: string[],
): Promise<RunningStack> {
  const nodes = stackNodes(options.nodes ?? 1);
  if (nodes.length > 1 && options.roles === false) {
    throw new Error("Cannot bring up extra nodes without the roles: each node runs an agent");
  }
  await ensureDebianPackages(STACK_PACKAGES, say);
  const bins = await ensureKubeBinaries(say);
  for (const dir of [paths.home, paths.run, paths.log, paths.data]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  const podNetwork = await preparePodNetwork(paths, options.podNetwork ?? "required", say);
  if ((nodes.length > 1 || (options.kubeletNodes ?? 0) > 0) && !podNetwork) {
    throw new Error("Cannot bring up extra nodes: this stack runs without the pod network");
  }
  const ports = await ensurePorts(paths.portsFile);
  // The nodes' bridge comes with the pod network: node 1's libvirtd listens on its address.
  if (podNetwork) await ensureNodesBridge(controlPlanePorts(ports));
  await ensurePki(paths.pki, SERVING_CERTS, CLIENT_IDENTITIES);
  await writeKubeconfigs(paths, ports);
  await ensureAgentIdentity(paths, ports, stackNode(1));

  for (const component of await controlPlaneComponents(paths, ports, bins)) {
    await ensureRunning(paths, component, say, started);
  }
  // Started now, awaited at the end: it waits for the Node that the agent registers.
  const roles = options.roles ?? true;
  const kubeProxy = kubeProxyComponent(paths, ports, bins.kubeProxy, roles);
  if (podNetwork) await ensureStarted(paths, kubeProxy, say, started);
  const libvirtWasDown = [];
  for (const name of ["virtlogd", "libvirtd"]) {
    if ((await runningPid(paths, name)) === undefined) libvirtWasDown.push(name);
  }
  await Deno.mkdir(paths.libvirt, { recursive: true });
  const tcp = podNetwork
    ? { address: stackNode(1).address, hostUuid: await ensureHostUuid(hostUuidFile(paths)) }
    : undefined;
  const libvirt = await startLibvirt(paths, { tcp });
  for (const name of libvirtWasDown) {
    started.push(name);
    say(`Started ${name}`);
  }
  await ensureRunning(paths, stackRegistryComponent(paths, ports), say, started);
  await publishStackFixture(ports, say);
  const pki = pkiFiles(paths.pki);
  const admin = {
    server: apiserverUrl(ports),
    client: await httpsClient({
      caFile: pki.caCert,
      certFile: pki.cert("admin"),
      keyFile: pki.key("admin"),
    }),
  };
  const forInstall = options.forClusterInstall ?? false;
  if (forInstall && !podNetwork) {
    throw new Error("Cannot make room for the cluster install: it needs the pod network");
  }
  const skipped = forInstall ? STACK_REGISTRATIONS.map((f) => join(MANIFESTS_DIR, f)) : [];
  const files = [];
  for (const dir of STACK_MANIFEST_DIRS) {
    const inDir = await manifestFiles(join(MANIFESTS_DIR, dir));
    files.push(...inDir.filter((file) => !skipped.includes(file)));
  }
  const applied = await applyFiles(admin, files, await manifestValues(paths, ports));
  say(`Applied ${applied} objects from manifests/`);
  if (roles && forInstall) {
    // The kubelet-less node's agent only: the install's pods are the controllers and webhooks.
    await startRoles(paths, ports, { libvirt, podNetwork }, say, started, "separate", ["agent"]);
  } else if (roles) await startRoles(paths, ports, { libvirt, podNetwork }, say, started);
  if (podNetwork) await awaitReady(paths, kubeProxy);
  for (const node of nodes.slice(1)) await ensureNode(paths, ports, node, libvirt.kvm, say);
  const kubeletNodes = await ensureKubeletNodes(
    paths,
    ports,
    options.kubeletNodes ?? 0,
    nodes.length,
    libvirt.kvm,
    say,
    !forInstall,
  );
  if (roles && !forInstall && options.demo) await ensureDemoVm(ports, admin, say);
  if (roles && !forInstall) await writeConsoleFile(paths, ports, admin, say);
  return {
    paths,
    ports,
    server: apiserverUrl(ports),
    libvirtUri: libvirt.uri,
    kvm: libvirt.kvm,
    registry: stackRegistry(ports).host,
    podNetwork,
    nodes,
    kubeletNodes,
  };
}

/** Node 1's libvirt host UUID (each node has its own, for migrations between them). */
function hostUuidFile(paths: StackPaths): string {
  return join(paths.libvirt, "host-uuid");
}

async function ensureRunning(
  paths: StackPaths,
  component: Component,
  say: (line: string) => void,
  started: string[],
) {
  await ensureStarted(paths, component, say, started);
  await awaitReady(paths, component);
}

/** Start a component unless it runs; one running but not answering is waited for, not restarted. */
async function ensureStarted(
  paths: StackPaths,
  component: Component,
  say: (line: string) => void,
  started: string[],
) {
  const name = component.spec.name;
  if ((await runningPid(paths, name)) !== undefined) return;
  await component.prepare?.();
  await startDaemon(paths, component.spec);
  started.push(name);
  say(`Started ${name}`);
}

async function awaitReady(paths: StackPaths, component: Component) {
  const name = component.spec.name;
  await waitUntil(component.ready, {
    what: name,
    timeoutMs: component.timeoutMs,
    logFile: logFile(paths, name),
    stillAlive: async () => (await runningPid(paths, name)) !== undefined,
  });
}

async function writeKubeconfigs(paths: StackPaths, ports: StackPorts) {
  const pki = pkiFiles(paths.pki);
  await Deno.mkdir(join(paths.home, "kubeconfigs"), { recursive: true });
  for (const identity of CLIENT_IDENTITIES) {
    if (identity.name === "front-proxy-client") continue;
    await Deno.writeTextFile(
      kubeconfigFor(paths, identity.name),
      kubeconfigText({
        server: apiserverUrl(ports),
        caFile: pki.caCert,
        certFile: pki.cert(identity.name),
        keyFile: pki.key(identity.name),
        user: identity.name,
      }),
    );
  }
}
