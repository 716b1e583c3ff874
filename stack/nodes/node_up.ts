/**
 * Bring one extra node to running, or back after `node kill`: its network, mount namespace, CNI
 * files, credentials, libvirt and agent, then the route to its pod CIDR. Only what is missing
 * is made or started.
 */
import { cniConflistTemplate } from "../cni_files.ts";
import { logFile, runningPid, startDaemon } from "../daemon.ts";
import { startLibvirt } from "../libvirt_daemon.ts";
import type { StackPaths } from "../paths.ts";
import type { StackPorts } from "../ports.ts";
import { answersOk, httpsClient, waitUntil } from "../readiness.ts";
import { type AgentPlacement, agentReadyUrl, roleSpec } from "../roles.ts";
import { pkiFiles } from "../pki.ts";
import type { StackNode } from "./addressing.ts";
import { ensureMountNs, enterNode } from "./mount_ns.ts";
import { ensureAgentIdentity, ensureHostUuid } from "./node_identity.ts";
import { ensureNodeNetwork, routePodCidr } from "./node_network.ts";
import { nodeDirs, nodeStackPaths } from "./node_paths.ts";
import { nodePodCidr } from "./node_objects.ts";

/** The loopback ports of the root namespace that a node's agent uses: the API server, the registry. */
export function controlPlanePorts(ports: StackPorts): number[] {
  return [ports.apiserver, ports.registry];
}

/** Where the node's agent runs. */
export function nodePlacement(paths: StackPaths, node: StackNode): AgentPlacement {
  return {
    name: node.name,
    address: node.address,
    cni: nodeDirs(paths, node).cni,
    enter: enterNode(paths, node),
  };
}

/** Bring `node` up; resolves once its agent is ready and its pods are routed. */
export async function ensureNode(
  paths: StackPaths,
  ports: StackPorts,
  node: StackNode,
  kvm: boolean,
  say: (line: string) => void,
): Promise<void> {
  const dirs = nodeDirs(paths, node);
  const nodePaths = nodeStackPaths(paths, node);
  for (const dir of [dirs.run, dirs.log, dirs.cni.confDir, dirs.cni.ipamDir, dirs.libvirt]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  await ensureNodeNetwork(node, controlPlanePorts(ports));
  await ensureMountNs(paths, node, kvm);
  await Deno.writeTextFile(dirs.cni.template, cniConflistTemplate(dirs.cni.ipamDir));
  await ensureAgentIdentity(paths, ports, node);
  const hostUuid = await ensureHostUuid(dirs.hostUuid);
  const libvirtWasUp = (await runningPid(nodePaths, "libvirtd")) !== undefined;
  const libvirt = await startLibvirt(nodePaths, {
    kvm,
    tcp: { address: node.address, hostUuid },
    enter: enterNode(paths, node),
  });
  if (!libvirtWasUp) say(`Started virtlogd and libvirtd of ${node.name}`);
  if ((await runningPid(nodePaths, "agent")) === undefined) {
    const spec = roleSpec(paths, ports, "agent", libvirt, true, nodePlacement(paths, node));
    await startDaemon(nodePaths, spec);
    say(`Started the agent of ${node.name}`);
  }
  const pki = pkiFiles(paths.pki);
  const anonymous = await httpsClient({ caFile: pki.caCert });
  await waitUntil(() => answersOk(agentReadyUrl(ports, node.address), anonymous), {
    what: `the agent of ${node.name}`,
    timeoutMs: 90_000,
    logFile: logFile(nodePaths, "agent"),
    stillAlive: async () => (await runningPid(nodePaths, "agent")) !== undefined,
  });
  anonymous.close();
  const podCidr = await nodePodCidr(paths, ports, node.name);
  await routePodCidr(node, podCidr);
}
