/**
 * The VM's side of the pod network, made by the agent on every node (a kubelet's CNI or the
 * agent's own sandbox made the pod's side): a bridge in the node's namespace for libvirt to put
 * the guest's tap on, a veth pair from it into the pod's namespace and, inside, the binding:
 * masquerade (gateway address, nftables, DHCP of `.2`) or bridge (the pod's `eth0` bridged to the
 * VM, the pod IP handed to the guest by DHCP). Every step checks first, so a pass after a crash or
 * a restart completes what exists; nothing here needs the agent to keep running.
 */
import { join } from "node:path";
import type { Port } from "../../api/mod.ts";
import { run } from "../../lib/exec.ts";
import { dnsmasqArgs, dnsmasqFiles, type GuestLease } from "./dhcp.ts";
import { defaultGatewayOf, deleteLink, inNetns, ip, ipv4AddressesOf, linkExists } from "./links.ts";
import { masqueradeRuleset, netmaskOf, type VmNetwork } from "./masquerade.ts";
import { netnsExists } from "./netns.ts";
import { exemptBridge, unexemptBridge } from "./node_exemption.ts";
import {
  BRIDGE_IN_POD,
  NFT_TABLE,
  POD_INTERFACE,
  VM_LINK_IN_POD,
  type VmLinks,
  vmLinksOf,
} from "./names.ts";

/** The address the pod's bridge holds for dnsmasq's replies (bridge binding), as KubeVirt's. */
const BRIDGE_LINK_LOCAL = "169.254.75.10/32";

export type Binding =
  | { kind: "masquerade"; vmNetwork: VmNetwork; ports: Port[] | undefined }
  | { kind: "bridge" };

export interface VmWiring {
  podUid: string;
  /** The pod's network namespace (a name under /run/netns). */
  netns: string;
  /** The pod's IPv4 address on the pod network. */
  podIP: string;
  binding: Binding;
  /** Name servers handed to the guest. */
  dns: string[];
  /** Where this VM's network files live (dnsmasq's pid, leases and log; the pod's address). */
  stateDir: string;
}

/** Makes (or completes) the VM's wiring; answers the bridge libvirt attaches the guest to. */
export async function wireVm(w: VmWiring): Promise<VmLinks> {
  const links = await ensureVmBridge(w.podUid);
  await completeWiring(w);
  return links;
}

/**
 * The first step of the wiring: the bridge libvirt puts the guest's tap on, up. A domain can
 * start once it exists; `completeWiring` does the rest, which the guest needs only once it
 * boots (its DHCP request), so the two may run side by side.
 */
export async function ensureVmBridge(podUid: string): Promise<VmLinks> {
  const links = vmLinksOf(podUid);
  if (!await linkExists(links.bridge)) {
    await ip(["link", "add", links.bridge, "type", "bridge", "forward_delay", "0"]);
  }
  await ip(["link", "set", links.bridge, "up"]);
  return links;
}

/** Everything of the wiring after `ensureVmBridge`: veth, binding, DHCP. */
export async function completeWiring(w: VmWiring): Promise<void> {
  await Deno.mkdir(w.stateDir, { recursive: true });
  const links = vmLinksOf(w.podUid);
  await exemptBridge(links.bridge);
  if (!await linkExists(links.rootVeth)) {
    await ip([
      "link",
      "add",
      links.rootVeth,
      "type",
      "veth",
      "peer",
      "name",
      links.podVeth,
      "netns",
      w.netns,
    ]);
  }
  await ip(["link", "set", links.rootVeth, "master", links.bridge, "up"]);
  if (await linkExists(links.podVeth, w.netns)) {
    await ip(["link", "set", links.podVeth, "name", VM_LINK_IN_POD], w.netns);
  }
  const lease = w.binding.kind === "masquerade"
    ? await masquerade(w, w.binding)
    : await bridgeToGuest(w);
  await ensureDhcp(w, lease);
}

async function masquerade(
  w: VmWiring,
  binding: Extract<Binding, { kind: "masquerade" }>,
): Promise<GuestLease> {
  const vm = binding.vmNetwork;
  await ip(["addr", "replace", `${vm.gateway}/${vm.prefix}`, "dev", VM_LINK_IN_POD], w.netns);
  await ip(["link", "set", VM_LINK_IN_POD, "up"], w.netns);
  await inNetns(w.netns, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
  await inNetns(w.netns, "nft", ["-f", "-"], masqueradeRuleset(w.podIP, vm, binding.ports));
  return {
    interface: VM_LINK_IN_POD,
    address: vm.guest,
    netmask: vm.netmask,
    router: vm.gateway,
    dns: w.dns,
  };
}

/** What the pod's `eth0` held before the guest took it, kept for passes after the first. */
interface PodAddress {
  address: string;
  gateway: string;
}

async function bridgeToGuest(w: VmWiring): Promise<GuestLease> {
  const saved = join(w.stateDir, "pod-address.json");
  let pod = await readJson<PodAddress>(saved);
  if (!pod) {
    const address = (await ipv4AddressesOf(POD_INTERFACE, w.netns))
      .find((a) => a.startsWith(`${w.podIP}/`));
    const gateway = await defaultGatewayOf(w.netns);
    if (!address || !gateway) {
      throw new Error(
        `The pod's ${POD_INTERFACE} has no address ${w.podIP} and default route to hand to the guest`,
      );
    }
    pod = { address, gateway };
    await Deno.writeTextFile(saved, JSON.stringify(pod));
  }
  if (!await linkExists(BRIDGE_IN_POD, w.netns)) {
    await ip(["link", "add", BRIDGE_IN_POD, "type", "bridge", "forward_delay", "0"], w.netns);
  }
  // The guest answers for the pod IP now; the pod's side keeps only a link-local address.
  await ip(["addr", "flush", "dev", POD_INTERFACE], w.netns);
  await ip(["link", "set", POD_INTERFACE, "master", BRIDGE_IN_POD], w.netns);
  // The CNI's bridge may send the guest's frames back (hairpin): learning them on eth0 would
  // send the guest's traffic away from it.
  await ip(["link", "set", POD_INTERFACE, "type", "bridge_slave", "learning", "off"], w.netns);
  await ip(["link", "set", VM_LINK_IN_POD, "master", BRIDGE_IN_POD, "up"], w.netns);
  await ip(["addr", "replace", BRIDGE_LINK_LOCAL, "dev", BRIDGE_IN_POD], w.netns);
  await ip(["link", "set", BRIDGE_IN_POD, "up"], w.netns);
  const prefix = Number(pod.address.split("/")[1]);
  return {
    interface: BRIDGE_IN_POD,
    address: w.podIP,
    netmask: netmaskOf(prefix),
    router: pod.gateway,
    dns: w.dns,
    sharedNetwork: true,
  };
}

async function ensureDhcp(w: VmWiring, lease: GuestLease): Promise<void> {
  if ((await dnsmasqPids(w.stateDir)).length > 0) return;
  await inNetns(w.netns, "dnsmasq", dnsmasqArgs(lease, w.stateDir));
}

/** Removes the VM's wiring: its DHCP server, links and rules (the pod's namespace stays). */
export async function unwireVm(podUid: string, netns: string | undefined, stateDir: string) {
  const pids = await dnsmasqPids(stateDir);
  if (pids.length > 0) await run("kill", pids.map(String));
  const links = vmLinksOf(podUid);
  await deleteLink(links.rootVeth); // Its peer in the pod's namespace goes with it.
  await deleteLink(links.bridge);
  await unexemptBridge(links.bridge);
  if (netns !== undefined && await netnsExists(netns)) {
    await run("ip", ["netns", "exec", netns, "nft", "delete", "table", "ip", NFT_TABLE]);
    await deleteLink(BRIDGE_IN_POD, netns);
  }
  const files = dnsmasqFiles(stateDir);
  for (const file of [files.pid, files.leases, join(stateDir, "pod-address.json")]) {
    await Deno.remove(file).catch(() => {});
  }
}

/**
 * The processes of this VM's dnsmasq: those whose command line names this VM's pid file (pgrep:
 * the agent may not read /proc itself). Not through the pid file, which a daemonizing dnsmasq
 * writes after its start command returned, and which names only one process.
 */
async function dnsmasqPids(stateDir: string): Promise<number[]> {
  const pidFile = dnsmasqFiles(stateDir).pid.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const found = await run("pgrep", ["-f", `^dnsmasq .*--pid-file=${pidFile}( |$)`]);
  return found.stdout.split("\n").filter((line) => line).map(Number);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return undefined;
  }
}
