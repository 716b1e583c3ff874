/** The pod network parts of an agent, from its flags. */
import type { AgentConfig } from "../flags.ts";
import { nameServersOf } from "./dhcp.ts";
import {
  NO_POD_NETWORK,
  type SandboxLocator,
  type VmNetworkAttacher,
  vmNetworkAttacher,
} from "./attach.ts";
import { PodSandboxes } from "./sandboxes.ts";

/** The sandboxes a kubelet-less agent makes, with the Node's pod CIDR from `podCIDR`. */
export function sandboxesOf(
  config: AgentConfig,
  podCIDR: () => Promise<string | undefined>,
): PodSandboxes {
  return new PodSandboxes({
    dataDir: config.dataDir,
    confDir: config.cniConfDir,
    confTemplate: config.cniConfTemplate,
    binDirs: config.cniBinDirs,
    podCIDR,
  });
}

/**
 * How guests join their pods' networks: through the agent's own sandboxes on a kubelet-less
 * node. A node with a kubelet has none the agent can find yet (the kubelet's CNI made the pod's
 * namespace): guests there stay on QEMU's user-mode network.
 */
export async function attacherOf(sandboxes: PodSandboxes | undefined): Promise<VmNetworkAttacher> {
  const locator: SandboxLocator = {
    async locate(pod) {
      const uid = pod.metadata?.uid;
      const record = sandboxes && uid ? await sandboxes.get(uid) : undefined;
      if (!record || record.ips.length === 0) return undefined;
      return { netns: record.netns, ips: record.ips, stateDir: sandboxes!.dirOf(uid!) };
    },
  };
  if (!sandboxes) return NO_POD_NETWORK;
  const dns = nameServersOf(await Deno.readTextFile("/etc/resolv.conf").catch(() => ""));
  return vmNetworkAttacher(locator, dns);
}
