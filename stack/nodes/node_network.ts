/**
 * The nodes' network in the kernel: the bridge `dvk0` in the root namespace (node 1's address),
 * each extra node's network namespace and veth, the routes to each node's pod CIDR, and the
 * rules of nft_rules.ts. Every step is idempotent, so `up` repairs what is missing.
 */
import { run, runChecked } from "../../lib/exec.ts";
import {
  bridgeAddress,
  NODE_INTERFACE,
  NODES_BRIDGE,
  NODES_PREFIX,
  type StackNode,
} from "./addressing.ts";
import { type KubernetesService, nodeRules, ROOT_TABLE, rootRules } from "./nft_rules.ts";

/** Whether a link of this name exists in the root namespace. */
export async function linkExists(name: string): Promise<boolean> {
  return (await run("ip", ["link", "show", "dev", name])).code === 0;
}

/** Whether the network namespace exists (`ip netns`). */
export async function netnsExists(name: string): Promise<boolean> {
  return await Deno.lstat(`/run/netns/${name}`).then(() => true, () => false);
}

/**
 * The bridge with node 1's address, and the rules that let the nodes reach the control plane's
 * loopback `ports`. `route_localnet` lets the root namespace route those connections to 127.0.0.1.
 */
export async function ensureNodesBridge(ports: number[]): Promise<void> {
  if (!(await linkExists(NODES_BRIDGE))) {
    await runChecked("ip", ["link", "add", NODES_BRIDGE, "type", "bridge"]);
  }
  const cidr = `${bridgeAddress()}/${NODES_PREFIX}`;
  await runChecked("ip", ["addr", "replace", cidr, "dev", NODES_BRIDGE]);
  await runChecked("ip", ["link", "set", NODES_BRIDGE, "up"]);
  await Deno.writeTextFile(`/proc/sys/net/ipv4/conf/${NODES_BRIDGE}/route_localnet`, "1\n");
  await runChecked("nft", ["-f", "-"], { stdin: rootRules(ports) });
}

/** Remove the bridge and the root namespace's rules; answers what it removed. */
export async function removeNodesBridge(): Promise<string[]> {
  const removed: string[] = [];
  if ((await run("nft", ["delete", "table", "ip", ROOT_TABLE])).code === 0) {
    removed.push(`the nft table ${ROOT_TABLE}`);
  }
  if ((await run("ip", ["link", "delete", "dev", NODES_BRIDGE])).code === 0) {
    removed.push(`the bridge ${NODES_BRIDGE}`);
  }
  return removed;
}

/**
 * An extra node's network namespace, joined to the bridge by its veth (up: `up` revives a
 * killed node this way), its default route via the bridge, forwarding on (its pods' traffic
 * passes through it) and its rules.
 */
export async function ensureNodeNetwork(
  node: StackNode,
  ports: number[],
  apiServer?: KubernetesService,
): Promise<void> {
  const { netns, veth } = extraNode(node);
  if (!(await netnsExists(netns))) await runChecked("ip", ["netns", "add", netns]);
  if (!(await linkExists(veth))) {
    await runChecked("ip", [
      "link",
      "add",
      veth,
      "type",
      "veth",
      "peer",
      "name",
      NODE_INTERFACE,
      "netns",
      netns,
    ]);
  }
  await runChecked("ip", ["link", "set", veth, "master", NODES_BRIDGE, "up"]);
  const inNode = (args: string[], stdin?: string) =>
    runChecked("ip", ["netns", "exec", netns, ...args], stdin === undefined ? {} : { stdin });
  await inNode(["ip", "link", "set", "lo", "up"]);
  await inNode(["ip", "addr", "replace", `${node.address}/${NODES_PREFIX}`, "dev", NODE_INTERFACE]);
  await inNode(["ip", "link", "set", NODE_INTERFACE, "up"]);
  await inNode(["ip", "route", "replace", "default", "via", bridgeAddress()]);
  await inNode([
    "sysctl",
    "-q",
    "-w",
    "net.ipv4.ip_forward=1",
    `net.ipv4.conf.${NODE_INTERFACE}.route_localnet=1`,
  ]);
  await inNode(["nft", "-f", "-"], nodeRules(ports, apiServer));
}

/** Cut a node off as a pulled cable would: its veth down. */
export async function cutNodeLink(node: StackNode): Promise<void> {
  const { veth } = extraNode(node);
  if (await linkExists(veth)) await runChecked("ip", ["link", "set", veth, "down"]);
}

/** Route a node's pod CIDR via its address (the root namespace reaches its pods so). */
export async function routePodCidr(node: StackNode, podCidr: string): Promise<void> {
  await runChecked("ip", ["route", "replace", podCidr, "via", node.address, "dev", NODES_BRIDGE]);
}

/** Remove an extra node's routes, namespace (with everything still in it) and veth. */
export async function removeNodeNetwork(node: StackNode): Promise<void> {
  const { netns, veth } = extraNode(node);
  const routes = JSON.parse((await run("ip", ["-j", "-4", "route"])).stdout || "[]") as {
    dst?: string;
    gateway?: string;
  }[];
  for (const route of routes.filter((r) => r.gateway === node.address && r.dst)) {
    await run("ip", ["route", "delete", route.dst!]);
  }
  if (await netnsExists(netns)) await runChecked("ip", ["netns", "delete", netns]);
  if (await linkExists(veth)) await run("ip", ["link", "delete", "dev", veth]);
}

function extraNode(node: StackNode): { netns: string; veth: string } {
  if (!node.netns || !node.veth) {
    throw new Error(`Node ${node.name} is the stack's own node: it has no namespace of its own`);
  }
  return { netns: node.netns, veth: node.veth };
}
