/** The local stack's CNI files: the config list template the agent renders, and its directories. */
import { cniPaths, POD_BRIDGE } from "./pod_network.ts";
import type { StackPaths } from "./paths.ts";

/** The CNI network's name: CNI plugins tag what they make for it with this name. */
export const CNI_NETWORK_NAME = "denovirt";

/** What the agent replaces with its Node's `spec.podCIDR` (containerd's conf_template syntax). */
export const POD_CIDR_PLACEHOLDER = "{{.PodCIDR}}";

/**
 * A CNI 1.0.0 config list named `denovirt`: pods on the bridge `dv0` with addresses from the
 * node's pod CIDR (host-local, leases under `ipamDir`), the bridge as their gateway with
 * masquerade for traffic leaving the cluster CIDR, then `portmap` for hostPorts.
 */
export function cniConflistTemplate(ipamDir: string): string {
  const conflist = {
    cniVersion: "1.0.0",
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: "bridge",
        bridge: POD_BRIDGE,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: POD_CIDR_PLACEHOLDER }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: ipamDir,
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  return JSON.stringify(conflist, null, 2) + "\n";
}

/** Write the template and make the conf dir (the agent fills it) and the IPAM dir. */
export async function writeCniFiles(paths: StackPaths): Promise<void> {
  const cni = cniPaths(paths);
  for (const dir of [cni.confDir, cni.ipamDir]) await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(cni.template, cniConflistTemplate(cni.ipamDir));
}
