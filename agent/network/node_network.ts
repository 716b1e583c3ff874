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
 * node, or through the namespaces the kubelet's CNI runtime made (`kubelet`) on a node with a
 * kubelet; with neither, guests stay on QEMU's user-mode network.
 */
export async function attacherOf(
  sandboxes: PodSandboxes | undefined,
  kubelet?: SandboxLocator,
): Promise<VmNetworkAttacher> {
  const own: SandboxLocator = {
    async locate(pod) {
      const uid = pod.metadata?.uid;
      const record = sandboxes && uid ? await sandboxes.get(uid) : undefined;
      if (!record || record.ips.length === 0) return undefined;
      return { netns: record.netns, ips: record.ips, stateDir: sandboxes!.dirOf(uid!) };
    },
  };
  const locator = sandboxes ? own : kubelet;
  if (!locator) return NO_POD_NETWORK;
  const dns = nameServersOf(await Deno.readTextFile("/etc/resolv.conf").catch(() => ""));
  return vmNetworkAttacher(locator, dns);
}
