/**
 * Whether the stack's pod and service CIDRs collide with the machine's own IPv4 networks: an
 * address or route of the machine inside them would make those hosts unreachable (or capture
 * pod traffic). What the stack made itself (`dv*` interfaces and their routes) is left out.
 */
import { runChecked } from "../lib/exec.ts";
import { CLUSTER_CIDR, SERVICE_CLUSTER_IP_RANGE, STACK_INTERFACE_PREFIX } from "./pod_network.ts";
import { NODES_CIDR } from "./nodes/addressing.ts";

/** One entry of `ip -j addr`, as much as the check reads. */
export interface IpAddrEntry {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** One entry of `ip -j route`, as much as the check reads. */
export interface IpRouteEntry {
  dst?: string;
  dev?: string;
  gateway?: string;
  type?: string;
}

/** A CIDR the stack uses, with the name a message gives it. */
export interface ChosenCidr {
  name: string;
  cidr: string;
}

/** One collision: which chosen CIDR, and what of the machine's it meets. */
export interface CidrOverlap {
  chosen: ChosenCidr;
  overlaps: string;
}

/** The local stack's CIDRs as `up` checks them. */
export const STACK_CIDRS: ChosenCidr[] = [
  { name: "pod CIDR", cidr: CLUSTER_CIDR },
  { name: "service CIDR", cidr: SERVICE_CLUSTER_IP_RANGE },
  { name: "nodes' CIDR", cidr: NODES_CIDR },
];

/** Every overlap of the chosen CIDRs with each other and with the machine's IPv4 addresses and routes. */
export function cidrOverlaps(
  chosen: ChosenCidr[],
  addrs: IpAddrEntry[],
  routes: IpRouteEntry[],
): CidrOverlap[] {
  const found: CidrOverlap[] = [];
  chosen.forEach((a, i) => {
    for (const b of chosen.slice(i + 1)) {
      if (overlap(parseCidr(a.cidr), parseCidr(b.cidr))) {
        found.push({ chosen: a, overlaps: `the ${b.name} ${b.cidr}` });
      }
    }
  });
  const ours = (dev: string | undefined) => dev?.startsWith(STACK_INTERFACE_PREFIX) ?? false;
  for (const c of chosen) {
    const range = parseCidr(c.cidr);
    for (const entry of addrs) {
      if (ours(entry.ifname)) continue;
      for (const info of entry.addr_info ?? []) {
        if (info.family !== "inet" || !info.local || info.prefixlen === undefined) continue;
        const network = parseCidr(`${info.local}/${info.prefixlen}`);
        if (overlap(range, network)) {
          found.push({
            chosen: c,
            overlaps: `address ${info.local}/${info.prefixlen} of ${entry.ifname ?? "?"}`,
          });
        }
      }
    }
    for (const route of routes) {
      if (ours(route.dev) || !route.dst || route.dst === "default") continue;
      const dst = parseCidr(route.dst.includes("/") ? route.dst : `${route.dst}/32`);
      // A default route written out (0.0.0.0/0) meets everything and says nothing.
      if (dst.prefix === 0) continue;
      if (overlap(range, dst)) found.push({ chosen: c, overlaps: `route ${describe(route)}` });
    }
  }
  return found;
}

/** The sentence `up` fails with, naming each CIDR and what it meets. */
export function overlapMessage(overlaps: CidrOverlap[]): string {
  const parts = overlaps.map((o) => `the ${o.chosen.name} ${o.chosen.cidr} overlaps ${o.overlaps}`);
  return `Cannot start the local stack: its networks overlap this machine's: ${parts.join("; ")}`;
}

/** Read the machine's addresses and routes and throw when the stack's CIDRs meet any of them. */
export async function checkStackCidrs(): Promise<void> {
  const addrs = JSON.parse(await runChecked("ip", ["-j", "addr"])) as IpAddrEntry[];
  const routes = JSON.parse(await runChecked("ip", ["-j", "-4", "route"])) as IpRouteEntry[];
  const overlaps = cidrOverlaps(STACK_CIDRS, addrs, routes);
  if (overlaps.length > 0) throw new Error(overlapMessage(overlaps));
}

function describe(route: IpRouteEntry): string {
  return [
    route.type && route.type !== "unicast" ? route.type : "",
    route.dst,
    route.gateway ? `via ${route.gateway}` : "",
    route.dev ? `dev ${route.dev}` : "",
  ].filter((part) => part).join(" ");
}

interface Ipv4Range {
  base: number;
  prefix: number;
}

/** `a.b.c.d/n` as a 32-bit number and a prefix length; throws on anything else. */
export function parseCidr(text: string): Ipv4Range {
  const match = text.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || prefix > 32) {
    throw new Error(`Cannot read the IPv4 CIDR: ${JSON.stringify(text)}`);
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base, prefix };
}

/** Whether two ranges share an address: the shorter prefix decides. */
function overlap(a: Ipv4Range, b: Ipv4Range): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const size = 2 ** (32 - prefix);
  return Math.floor(a.base / size) === Math.floor(b.base / size);
}
