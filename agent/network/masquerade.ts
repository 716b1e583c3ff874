/**
 * masquerade as KubeVirt sets it up inside the launcher pod's namespace: the guest holds `.2` of
 * the VM network and the pod's side `.1`; what arrives for the pod IP is DNATed to the guest (all
 * of it, or only the interface's `ports`), and what the guest sends out leaves as the pod IP.
 * Pure: the ruleset is text for `nft -f`.
 */
import type { Port } from "../../api/mod.ts";
import { NFT_TABLE, POD_INTERFACE } from "./names.ts";

/** libvirt's ports for direct and block migration, which KubeVirt never forwards to the guest. */
export const MIGRATION_PORTS = [49152, 49153] as const;

/** The addresses of the VM network `network`/`prefix` (an IPv4 network address). */
export interface VmNetwork {
  network: string;
  prefix: number;
  /** `.1`: the pod's side, the guest's gateway and DHCP server. */
  gateway: string;
  /** `.2`: the guest. */
  guest: string;
  netmask: string;
}

/** The gateway and guest addresses of a VM network (as `parseCidr` returns it). */
export function vmNetworkOf(cidr: { address: string; prefix: number }): VmNetwork {
  const base = toNumber(cidr.address);
  return {
    network: cidr.address,
    prefix: cidr.prefix,
    gateway: fromNumber(base + 1),
    guest: fromNumber(base + 2),
    netmask: netmaskOf(cidr.prefix),
  };
}

/** The dotted netmask of an IPv4 prefix length. */
export function netmaskOf(prefix: number): string {
  return fromNumber(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

/** The nft script that (re)makes the masquerade table for a guest behind `podIP`. */
export function masqueradeRuleset(podIP: string, vm: VmNetwork, ports: Port[] | undefined): string {
  const inbound = ports === undefined || ports.length === 0
    ? [
      `tcp dport { ${MIGRATION_PORTS.join(", ")} } return`,
      `ip daddr ${podIP} dnat to ${vm.guest}`,
    ]
    : forwardedPorts(ports).map(([protocol, list]) =>
      `ip daddr ${podIP} ${protocol} dport { ${list.join(", ")} } dnat to ${vm.guest}`
    );
  return [
    // Declaring the table first makes the delete succeed on a fresh namespace; one -f is atomic.
    `table ip ${NFT_TABLE}`,
    `delete table ip ${NFT_TABLE}`,
    `table ip ${NFT_TABLE} {`,
    "  chain prerouting {",
    "    type nat hook prerouting priority dstnat; policy accept;",
    `    iifname "${POD_INTERFACE}" jump inbound`,
    "  }",
    "  chain inbound {",
    ...inbound.map((rule) => `    ${rule}`),
    "  }",
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    `    oifname "${POD_INTERFACE}" ip saddr ${vm.guest} masquerade`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** The interface's ports by protocol (tcp first), each list sorted and without repeats. */
function forwardedPorts(ports: Port[]): Array<["tcp" | "udp", number[]]> {
  const by = { tcp: new Set<number>(), udp: new Set<number>() };
  for (const p of ports) by[p.protocol === "UDP" ? "udp" : "tcp"].add(p.port);
  return (["tcp", "udp"] as const)
    .filter((protocol) => by[protocol].size > 0)
    .map((protocol) => [protocol, [...by[protocol]].sort((a, b) => a - b)]);
}

function toNumber(address: string): number {
  return address.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function fromNumber(value: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(value / 2 ** s) % 256).join(".");
}
