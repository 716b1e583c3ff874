/**
 * The guest's interfaces as its guest agent reports them (libvirt's `if.*` fields of
 * virDomainGetGuestInfo), and their merge into `status.interfaces` as virt-handler merges them:
 * an interface of the domain whose MAC the guest reports gains the guest's name and addresses and
 * `infoSource: "domain, guest-agent"`; one only the guest has is added with `"guest-agent"`.
 */
import type { VirtualMachineInstanceNetworkInterface } from "../../api/mod.ts";
import type { GuestInterface } from "../libvirt/xml_read.ts";

/** virDomainGuestInfoTypes: the guest's interfaces and addresses. */
export const GUEST_INFO_INTERFACES = 64;

/** KubeVirt's infoSource values. */
export const INFO_SOURCE = {
  domain: "domain",
  guestAgent: "guest-agent",
  domainAndGuestAgent: "domain, guest-agent",
} as const;

/** At most this many interfaces only the guest has are listed (virt-handler's limit). */
const GUEST_ONLY_LIMIT = 10;

type Fields = Record<string, number | string | boolean>;

/** The guest's interfaces of libvirt's `if.<n>.*` fields, without its loopback. */
export function guestInterfacesOf(fields: Fields): GuestInterface[] {
  const out: GuestInterface[] = [];
  const count = Number(fields["if.count"] ?? 0);
  for (let i = 0; i < count; i++) {
    const name = fields[`if.${i}.name`];
    if (typeof name !== "string" || name === "" || name === "lo") continue;
    const ips: string[] = [];
    let ip: string | undefined;
    for (let a = 0; a < Number(fields[`if.${i}.addr.count`] ?? 0); a++) {
      const addr = fields[`if.${i}.addr.${a}.addr`];
      if (typeof addr !== "string" || addr === "") continue;
      if (fields[`if.${i}.addr.${a}.type`] === "ipv4" && ip === undefined) ip = addr;
      ips.push(addr);
    }
    const mac = fields[`if.${i}.hwaddr`];
    out.push({
      interfaceName: name,
      ...(typeof mac === "string" && mac !== "" ? { mac: mac.toLowerCase() } : {}),
      ...(ip ?? ips[0] ? { ip: ip ?? ips[0] } : {}),
      ips,
    });
  }
  return out;
}

const isIPv6 = (ip: string) => ip.includes(":");
const isLinkLocalIPv6 = (ip: string) => /^fe[89ab][0-9a-f]:/i.test(ip);

/**
 * `interfaces` (the domain's, with the pod's IPs) merged with what the guest reports.
 * `masquerade` names the interfaces whose guest addresses are behind NAT: their IPv6 link-local
 * addresses cannot be reached and are left out. Per address family, addresses already in the
 * status stay (the pod's IP is how the VM is reached), else the guest's are taken. virt-handler
 * also clears a family the guest reports no address of; here the pod's stay: the guest's DHCP
 * often ends after its agent started, and port-forward and Services reach the VM at the pod's IP
 * meanwhile.
 */
export function withGuestInterfaces(
  interfaces: VirtualMachineInstanceNetworkInterface[],
  guest: GuestInterface[],
  masquerade: Set<string>,
): VirtualMachineInstanceNetworkInterface[] {
  const out = interfaces.map((i) => ({ ...i }));
  let guestOnly = 0;
  for (const reported of guest) {
    const entry = reported.mac ? out.find((i) => i.mac === reported.mac) : undefined;
    if (!entry) {
      if (guestOnly++ >= GUEST_ONLY_LIMIT) continue;
      out.push({
        ...(reported.mac ? { mac: reported.mac } : {}),
        ...(reported.ip ? { ipAddress: reported.ip } : {}),
        ...(reported.ips.length > 0 ? { ipAddresses: reported.ips } : {}),
        interfaceName: reported.interfaceName,
        infoSource: INFO_SOURCE.guestAgent,
      });
      continue;
    }
    const guestIPs = masquerade.has(entry.name ?? "")
      ? reported.ips.filter((ip) => !isLinkLocalIPv6(ip))
      : reported.ips;
    const had = entry.ipAddresses ?? [];
    const pick = (v6: boolean) => {
      const mine = had.filter((ip) => isIPv6(ip) === v6);
      const theirs = guestIPs.filter((ip) => isIPv6(ip) === v6);
      return mine.length > 0 ? mine : theirs;
    };
    const ips = [...pick(false), ...pick(true)];
    delete entry.ipAddress;
    delete entry.ipAddresses;
    if (ips.length > 0) {
      entry.ipAddress = ips[0];
      entry.ipAddresses = ips;
    }
    entry.interfaceName = reported.interfaceName;
    entry.infoSource = INFO_SOURCE.domainAndGuestAgent;
  }
  return out;
}
