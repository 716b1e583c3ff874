// CIDRs of the pod network's VM side (`vmNetworkCIDR`, `vmIPv6NetworkCIDR`), read the way the
// agent hands them to libvirt.

/** KubeVirt's default VM network for masquerade. */
export const DEFAULT_VM_NETWORK_CIDR = "10.0.2.0/24";
/** The only IPv6 prefix QEMU's user-mode network takes (libvirt 9.0: "must be 64"). */
export const USER_NETWORK_IPV6_PREFIX = 64;
// A /31 or /32 leaves no room for the guest, the gateway and the DNS forwarder.
const MAX_IPV4_PREFIX = 30;

/** An IPv4 CIDR reduced to its network address, or an IPv6 CIDR checked for shape; else undefined. */
export function parseCidr(
  cidr: string,
  family: 4 | 6,
): { address: string; prefix: number } | undefined {
  const [address = "", prefixText = "", ...rest] = cidr.split("/");
  const prefix = Number(prefixText);
  if (rest.length > 0 || !/^\d+$/.test(prefixText)) return undefined;
  if (family === 6) {
    if (prefix > 128 || !/^[0-9a-f:]+$/i.test(address) || !isIpv6(address)) return undefined;
    return { address, prefix };
  }
  const octets = address.split(".").map((o) => (/^\d{1,3}$/.test(o) ? Number(o) : NaN));
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255))) return undefined;
  if (prefix > MAX_IPV4_PREFIX) return undefined;
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const network = value - (value % size);
  return {
    address: [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join("."),
    prefix,
  };
}

/** The refusal text for a CIDR `parseCidr` does not take. */
export function notACidr(cidr: string, family: 4 | 6): string {
  const limit = family === 4 ? ` with a prefix of at most /${MAX_IPV4_PREFIX}` : "";
  return `${JSON.stringify(cidr)} is not an IPv${family} CIDR${limit}`;
}

// The WHATWG URL parser knows IPv6 literals ("::" once, at most eight groups of four digits).
function isIpv6(address: string): boolean {
  try {
    new URL(`http://[${address}]/`);
    return true;
  } catch {
    return false;
  }
}
