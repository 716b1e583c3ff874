/**
 * Bring one kubelet node to running: its network namespace on the nodes' bridge, its mount
 * namespace, its credentials (`system:node:<name>` from the stack's CA), containerd with the
 * node's images imported, then the kubelet; once the Node has its pod CIDR, the CNI config list
 * on that CIDR and the route to it; then the node's libvirtd and the agent's certificates, for
 * the agent's DaemonSet pod. Only what is missing is made or started.
 */
import { apiserverUrl } from "../control_plane.ts";
import { logFile, runningPid, startDaemon } from "../daemon.ts";
import { kubeconfigText } from "../kubeconfig.ts";
import type { StackNode } from "../nodes/addressing.ts";
import { ensureNodeNetwork, routePodCidr } from "../nodes/node_network.ts";
import { nodePodCidr } from "../nodes/node_objects.ts";
import { controlPlanePorts } from "../nodes/node_up.ts";
import type { StackPaths } from "../paths.ts";
import { ensurePki, pkiFiles } from "../pki.ts";
import type { StackPorts } from "../ports.ts";
import { httpsClient, waitUntil } from "../readiness.ts";
import { run } from "../../lib/exec.ts";
import { libvirtDirs, startLibvirt } from "../libvirt_daemon.ts";
import { KUBERNETES_SERVICE_IP } from "../pod_network.ts";
import { ensureAgentIdentity, ensureHostUuid } from "../nodes/node_identity.ts";
import { join } from "node:path";
import { KUBELET_NODE_LABEL } from "./agent_daemonset.ts";
import { cniConflist, containerdConfig, kubeletConfig } from "./config_files.ts";
import { ensureKubeletMountNs, enterKubeletNode } from "./kubelet_mount_ns.ts";
import { kubeletNodeDirs, kubeletNodeStackPaths } from "./kubelet_node_paths.ts";
import { importImage, type NodeImage } from "./node_images.ts";
import { PAUSE_IMAGE } from "./pause_image.ts";

/** The daemons of a kubelet node, as its pid files and logs name them. */
export const CONTAINERD = "containerd";
export const KUBELET = "kubelet";

/** The node's client identity: a kubelet's, which the Node authorizer and NodeRestriction know. */
export function kubeletIdentity(node: StackNode) {
  return {
    name: `kubelet-${node.name}`,
    commonName: `system:node:${node.name}`,
    organizations: ["system:nodes"],
  };
}

/** Bring `node` up; resolves once its Node is Ready. */
export async function ensureKubeletNode(
  paths: StackPaths,
  ports: StackPorts,
  node: StackNode,
  kvm: boolean,
  kubelet: string,
  images: NodeImage[],
  say: (line: string) => void,
): Promise<void> {
  const dirs = kubeletNodeDirs(paths, node);
  const nodePaths = kubeletNodeStackPaths(paths, node);
  const dirsToMake = [
    dirs.run,
    dirs.log,
    dirs.cni.confDir,
    dirs.cni.ipamDir,
    dirs.containerd.root,
    dirs.kubelet.rootDir,
  ];
  for (const dir of dirsToMake) await Deno.mkdir(dir, { recursive: true });
  // Pods of the node reach the API server as in-cluster clients (the cluster install's roles).
  const apiServer = { ip: KUBERNETES_SERVICE_IP, port: ports.apiserver };
  await ensureNodeNetwork(node, controlPlanePorts(ports), apiServer);
  await ensureKubeletMountNs(paths, node, kvm);
  const enter = enterKubeletNode(paths, node);

  const pki = pkiFiles(paths.pki);
  const identity = kubeletIdentity(node);
  // Its serving certificate is of the stack's CA, for its address: the API server checks it
  // (--kubelet-certificate-authority) when it asks for logs, exec or port-forward.
  const serving = {
    name: `serving-${node.name}`,
    sans: [`IP:${node.address}`, `DNS:${node.name}`],
  };
  await ensurePki(paths.pki, [serving], [identity]);
  await Deno.writeTextFile(
    dirs.kubelet.kubeconfig,
    kubeconfigText({
      server: apiserverUrl(ports),
      caFile: pki.caCert,
      certFile: pki.cert(identity.name),
      keyFile: pki.key(identity.name),
      user: identity.commonName,
    }),
  );

  const socket = dirs.containerd.socket;
  if ((await runningPid(nodePaths, CONTAINERD)) === undefined) {
    await Deno.writeTextFile(
      dirs.containerd.config,
      containerdConfig({
        ...dirs.containerd,
        cniConfDir: dirs.cni.confDir,
        pauseImage: PAUSE_IMAGE,
      }),
    );
    await startDaemon(nodePaths, {
      name: CONTAINERD,
      command: enter[0]!,
      args: [...enter.slice(1), "containerd", "--config", dirs.containerd.config],
    });
    say(`Started containerd of ${node.name}`);
  }
  await waitUntil(async () => (await run("ctr", ["--address", socket, "version"])).code === 0, {
    what: `containerd of ${node.name}`,
    timeoutMs: 30_000,
    logFile: logFile(nodePaths, CONTAINERD),
    stillAlive: async () => (await runningPid(nodePaths, CONTAINERD)) !== undefined,
  });
  for (const image of images) await importImage(socket, image, say);

  if ((await runningPid(nodePaths, KUBELET)) === undefined) {
    await Deno.writeTextFile(
      dirs.kubelet.config,
      kubeletConfig({
        address: node.address,
        caFile: pki.caCert,
        certFile: pki.cert(serving.name),
        keyFile: pki.key(serving.name),
        containerdSocket: socket,
      }),
    );
    await startDaemon(nodePaths, {
      name: KUBELET,
      command: enter[0]!,
      args: [
        ...enter.slice(1),
        kubelet,
        `--config=${dirs.kubelet.config}`,
        `--kubeconfig=${dirs.kubelet.kubeconfig}`,
        `--hostname-override=${node.name}`,
        `--node-ip=${node.address}`,
        `--node-labels=${KUBELET_NODE_LABEL}=true`,
        `--root-dir=${dirs.kubelet.rootDir}`,
        `--cert-dir=${dirs.kubelet.certDir}`,
        "--v=1",
      ],
    });
    say(`Started the kubelet of ${node.name}`);
  }
  const podCidr = await nodePodCidr(paths, ports, node.name);
  await Deno.writeTextFile(
    `${dirs.cni.confDir}/10-denovirt.conflist`,
    cniConflist(podCidr, dirs.cni.ipamDir),
  );
  await routePodCidr(node, podCidr);
  await waitNodeReady(paths, ports, node, nodePaths);
  // What the agent's pod needs of the node: its libvirtd and its agent's certificates.
  const libvirtWasUp = (await runningPid(nodePaths, "libvirtd")) !== undefined;
  await Deno.mkdir(dirs.libvirt, { recursive: true });
  const hostUuid = await ensureHostUuid(join(dirs.libvirt, "host-uuid"));
  await startLibvirt(nodePaths, { kvm, enter, tcp: { address: node.address, hostUuid } });
  if (!libvirtWasUp) say(`Started virtlogd and libvirtd of ${node.name}`);
  await linkHostLibvirtSocket(nodePaths);
  await ensureAgentIdentity(paths, ports, node);
}

/**
 * The node's libvirtd socket also where a host's is, `/var/run/libvirt/libvirt-sock` inside the
 * node (its libvirt run directory): the cluster install's agent connects to `qemu:///system`
 * (adr/0018). A hard link, made anew for each libvirtd: a unix socket is found by its inode.
 */
async function linkHostLibvirtSocket(nodePaths: StackPaths): Promise<void> {
  const dirs = libvirtDirs(nodePaths);
  const hostPath = join(dirs.run, "libvirt-sock");
  await Deno.remove(hostPath).catch(() => {});
  await Deno.link(join(dirs.sock, "libvirt-sock"), hostPath);
}

/** Wait until the Node's Ready condition is True (the kubelet found the CNI config). */
async function waitNodeReady(
  paths: StackPaths,
  ports: StackPorts,
  node: StackNode,
  nodePaths: StackPaths,
): Promise<void> {
  const pki = pkiFiles(paths.pki);
  const client = await httpsClient({
    caFile: pki.caCert,
    certFile: pki.cert("admin"),
    keyFile: pki.key("admin"),
  });
  try {
    await waitUntil(async () => {
      const response = await fetch(`${apiserverUrl(ports)}/api/v1/nodes/${node.name}`, { client })
        .catch(() => undefined);
      if (!response?.ok) {
        await response?.body?.cancel();
        return false;
      }
      const conditions = ((await response.json()) as {
        status?: { conditions?: { type: string; status: string }[] };
      }).status?.conditions ?? [];
      return conditions.some((c) => c.type === "Ready" && c.status === "True");
    }, {
      what: `the Node ${node.name} to be Ready`,
      timeoutMs: 90_000,
      logFile: logFile(nodePaths, KUBELET),
      stillAlive: async () => (await runningPid(nodePaths, KUBELET)) !== undefined,
    });
  } finally {
    client.close();
  }
}
