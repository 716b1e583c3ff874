/**
 * The CNI Success result (spec 1.0, section 5), read from a plugin's output, and the pod IPs in it.
 * Results of spec 0.3.x and 0.4.0 read the same way (their `ips[].version` is redundant and ignored).
 */
import { isIP } from "node:net";

/** An interface the attachment created; `sandbox` is set for those inside the container. */
export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

/** An address in CIDR notation, and the index in `interfaces` of the interface that holds it. */
export interface CniIpConfig {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A plugin's Success result (IPAM plugins leave out `interfaces` and `ips[].interface`). */
export interface CniResult {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  dns: CniDns;
}

/** A result that does not follow the spec; the message names the field. */
export class CniResultError extends Error {
  override name = "CniResultError";
}

/** Reads a Success result from parsed JSON; throws a CniResultError naming the bad field. */
export function parseResult(json: unknown): CniResult {
  const top = object(json, "result");
  const interfaces = list(top.interfaces, "interfaces").map((item, i) => {
    const at = `interfaces[${i}]`;
    const raw = object(item, at);
    const iface: CniInterface = { name: text(raw.name, `${at}.name`) };
    if (raw.mac !== undefined) iface.mac = text(raw.mac, `${at}.mac`, true);
    if (raw.sandbox !== undefined) iface.sandbox = text(raw.sandbox, `${at}.sandbox`, true);
    return iface;
  });
  const ips = list(top.ips, "ips").map((item, i) => {
    const at = `ips[${i}]`;
    const raw = object(item, at);
    const ip: CniIpConfig = { address: cidr(raw.address, `${at}.address`) };
    if (raw.gateway !== undefined && raw.gateway !== "") {
      ip.gateway = address(raw.gateway, `${at}.gateway`);
    }
    if (raw.interface !== undefined) {
      const index = raw.interface;
      if (!Number.isInteger(index) || (index as number) < 0) {
        throw new CniResultError(`${at}.interface must be an index into interfaces, not ${index}`);
      }
      if ((index as number) >= interfaces.length) {
        throw new CniResultError(
          `${at}.interface is ${index} but the result lists ${interfaces.length} interfaces`,
        );
      }
      ip.interface = index as number;
    }
    return ip;
  });
  const routes = list(top.routes, "routes").map((item, i) => {
    const at = `routes[${i}]`;
    const raw = object(item, at);
    const route: CniRoute = { dst: cidr(raw.dst, `${at}.dst`) };
    if (raw.gw !== undefined && raw.gw !== "") route.gw = address(raw.gw, `${at}.gw`);
    return route;
  });
  return {
    cniVersion: top.cniVersion === undefined ? "" : text(top.cniVersion, "cniVersion", true),
    interfaces,
    ips,
    routes,
    dns: dnsOf(top.dns),
  };
}

/**
 * The addresses (without prefix) on the sandbox interface `ifName`, IPv4 first, then IPv6, each
 * in the result's order: what a kubelet reports as the pod's `status.podIPs`.
 */
export function podIPsOf(result: CniResult, ifName: string): string[] {
  const addresses = result.ips
    .filter((ip) => {
      const iface = ip.interface === undefined ? undefined : result.interfaces[ip.interface];
      return iface !== undefined && iface.name === ifName && !!iface.sandbox;
    })
    .map((ip) => ip.address.slice(0, ip.address.indexOf("/")));
  return [
    ...addresses.filter((a) => isIP(a) === 4),
    ...addresses.filter((a) => isIP(a) === 6),
  ];
}

function dnsOf(value: unknown): CniDns {
  if (value === undefined || value === null) return {};
  const raw = object(value, "dns");
  const dns: CniDns = {};
  if (raw.nameservers !== undefined) {
    dns.nameservers = list(raw.nameservers, "dns.nameservers")
      .map((n, i) => address(n, `dns.nameservers[${i}]`));
  }
  if (raw.domain !== undefined) dns.domain = text(raw.domain, "dns.domain", true);
  if (raw.search !== undefined) dns.search = strings(raw.search, "dns.search");
  if (raw.options !== undefined) dns.options = strings(raw.options, "dns.options");
  return dns;
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CniResultError(`${at} must be an object`);
  }
  return value as Record<string, unknown>;
}

/** A missing or null list is an empty one (Go's encoding/json writes nil slices as null). */
function list(value: unknown, at: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new CniResultError(`${at} must be a list`);
  return value;
}

function strings(value: unknown, at: string): string[] {
  return list(value, at).map((s, i) => text(s, `${at}[${i}]`, true));
}

function text(value: unknown, at: string, emptyAllowed = false): string {
  if (typeof value !== "string") throw new CniResultError(`${at} must be a string`);
  if (!emptyAllowed && value === "") throw new CniResultError(`${at} must not be empty`);
  return value;
}

function address(value: unknown, at: string): string {
  const ip = text(value, at);
  if (isIP(ip) === 0) throw new CniResultError(`${at} must be an IP address, not "${ip}"`);
  return ip;
}

function cidr(value: unknown, at: string): string {
  const raw = text(value, at);
  if (!isCidr(raw)) {
    throw new CniResultError(`${at} must be an address in CIDR notation, not "${raw}"`);
  }
  return raw;
}

/** Whether `text` is an IPv4 or IPv6 address with a prefix length: `10.244.1.5/24`. */
export function isCidr(text: string): boolean {
  const slash = text.indexOf("/");
  if (slash < 0) return false;
  const family = isIP(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  return family !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
