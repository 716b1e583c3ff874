/**
 * The guest's DHCP server: one small dnsmasq per VM inside the pod's namespace (DHCP only, no
 * DNS), answering the single address the binding gives the guest, forever (an infinite lease).
 * Pure: the command line.
 */
import { join } from "node:path";

/** What the guest is told. */
export interface GuestLease {
  /** The interface in the pod's namespace that dnsmasq serves. */
  interface: string;
  address: string;
  netmask: string;
  router: string;
  dns: string[];
  /**
   * For an address outside the interface's own network (bridge binding: the pod IP, while the
   * pod's side holds only a link-local address), the interface that shares its network.
   */
  sharedNetwork?: boolean;
}

/** The files of one dnsmasq, in the VM's network state directory. */
export function dnsmasqFiles(dir: string) {
  return {
    pid: join(dir, "dnsmasq.pid"),
    leases: join(dir, "dnsmasq.leases"),
    log: join(dir, "dnsmasq.log"),
  };
}

/** dnsmasq's arguments; it daemonizes and writes its pid file. */
export function dnsmasqArgs(lease: GuestLease, dir: string): string[] {
  const files = dnsmasqFiles(dir);
  return [
    "--conf-file=/dev/null",
    "--port=0",
    "--no-hosts",
    "--no-resolv",
    `--interface=${lease.interface}`,
    "--bind-interfaces",
    "--except-interface=lo",
    // The pod's side has no route to the guest's address: answer by broadcast.
    ...(lease.sharedNetwork
      ? [`--shared-network=${lease.interface},${lease.address}`, "--dhcp-broadcast"]
      : []),
    `--dhcp-range=${lease.address},${lease.address},${lease.netmask},infinite`,
    `--dhcp-option=option:router,${lease.router}`,
    ...(lease.dns.length > 0 ? [`--dhcp-option=option:dns-server,${lease.dns.join(",")}`] : []),
    "--dhcp-authoritative",
    `--dhcp-leasefile=${files.leases}`,
    `--pid-file=${files.pid}`,
    `--log-facility=${files.log}`,
    "--user=root",
    "--group=root",
  ];
}

/** The IPv4 name servers of a resolv.conf a guest can reach (not the node's loopback). */
export function nameServersOf(resolvConf: string): string[] {
  return resolvConf.split("\n")
    .map((line) => line.trim().match(/^nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/)?.[1])
    .filter((ip): ip is string => ip !== undefined && !ip.startsWith("127."));
}
