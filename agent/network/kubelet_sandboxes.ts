/**
 * Launcher pods' networks on a node with a kubelet: its CNI runtime (containerd) made the pod's
 * network namespace under /run/netns (`cni-<uuid>`), and only the runtime knows which pod a
 * name belongs to. The agent finds it by the pod's IP, which the kubelet reports: the namespace
 * whose `eth0` holds that address. The name found is recorded in the VM's network directory, as
 * `bridge` binding hands that address on to the guest and later passes (or a restarted agent)
 * could not find it again. Nothing is made or released here; the kubelet owns the namespaces.
 */
import { join } from "node:path";
import { run } from "../../lib/exec.ts";
import type { Pod } from "../../api/mod.ts";
import type { PodSandbox, SandboxLocator } from "./attach.ts";
import { POD_INTERFACE } from "./names.ts";

const NETNS_DIR = "/run/netns";

/** What the locator reads of the node: the namespaces, and a namespace's IPv4 addresses on eth0. */
export interface NetnsReader {
  names(): Promise<string[]>;
  addressesOf(netns: string): Promise<string[]>;
}

/** The record of the namespace found for a pod, in its VM's network directory. */
const RECORD = "kubelet-netns.json";

/** The pod's IPs as the kubelet reported them, IPv4 first. */
export function reportedIps(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return [...ips.filter((ip) => ip.includes(".")), ...ips.filter((ip) => !ip.includes("."))];
}

/** A locator of kubelet-made sandboxes; a VM's network files go under `<dataDir>/network/<uid>`. */
export function kubeletSandboxLocator(
  dataDir: string,
  reader: NetnsReader = hostNetns,
): SandboxLocator {
  return {
    async locate(pod: Pod): Promise<PodSandbox | undefined> {
      const uid = pod.metadata?.uid;
      const ips = reportedIps(pod);
      const ipv4 = ips.find((ip) => ip.includes("."));
      if (!uid || !ipv4 || pod.spec?.hostNetwork) return undefined;
      const stateDir = join(dataDir, "network", uid);
      const names = await reader.names();
      const recorded = await readRecord(stateDir);
      if (recorded && names.includes(recorded)) return { netns: recorded, ips, stateDir };
      for (const name of names) {
        if (!(await reader.addressesOf(name)).includes(ipv4)) continue;
        await Deno.mkdir(stateDir, { recursive: true });
        await Deno.writeTextFile(join(stateDir, RECORD), JSON.stringify({ netns: name }));
        return { netns: name, ips, stateDir };
      }
      return undefined;
    },
  };
}

async function readRecord(stateDir: string): Promise<string | undefined> {
  const text = await Deno.readTextFile(join(stateDir, RECORD)).catch(() => "");
  try {
    return (JSON.parse(text) as { netns?: string }).netns;
  } catch {
    return undefined;
  }
}

/** The node's /run/netns, read with `ip`. */
const hostNetns: NetnsReader = {
  async names() {
    const entries = await Array.fromAsync(Deno.readDir(NETNS_DIR)).catch(() => []);
    return entries.map((e) => e.name).filter((n) => n.startsWith("cni-")).sort();
  },
  async addressesOf(netns) {
    const result = await run("ip", ["-n", netns, "-j", "-4", "addr", "show", "dev", POD_INTERFACE]);
    if (result.code !== 0) return [];
    const links = JSON.parse(result.stdout || "[]") as { addr_info?: { local?: string }[] }[];
    return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? ""));
  },
};
