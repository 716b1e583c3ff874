/** The private libvirt's configuration files, as text: libvirtd.conf and qemu.conf. */
import { LIBVIRT_MIGRATION_PORT } from "../api/contract.ts";

/** libvirtd's TCP listener for migrations between the stack's nodes. */
export interface LibvirtTcp {
  address: string;
  hostUuid: string;
}

/**
 * libvirtd.conf: its unix sockets in `sockDir`, root only; with `tcp`, plain TCP on the node's
 * address without authentication (the nodes' bridge is private to this machine; clusters use
 * TLS) and the node's own host UUID, as libvirt refuses a migration to a host with its own UUID.
 */
export function libvirtdConf(sockDir: string, tcp?: LibvirtTcp): string {
  return [
    `unix_sock_dir = ${JSON.stringify(sockDir)}`,
    ...["unix_sock_ro_perms", "unix_sock_rw_perms", "unix_sock_admin_perms"].map((k) =>
      `${k} = "0700"`
    ),
    'auth_unix_ro = "none"',
    'auth_unix_rw = "none"',
    ...(tcp
      ? [
        "listen_tls = 0",
        "listen_tcp = 1",
        `listen_addr = ${JSON.stringify(tcp.address)}`,
        `tcp_port = "${LIBVIRT_MIGRATION_PORT}"`,
        'auth_tcp = "none"',
        `host_uuid = ${JSON.stringify(tcp.hostUuid)}`,
      ]
      : []),
    "",
  ].join("\n");
}

/**
 * qemu.conf. Files live under /root, so qemu runs as root with no relabelling; no per-domain
 * /dev namespace (it would rebuild /dev from the host's) and no cgroups (tests leave none
 * behind). With a node address, incoming migrations listen there.
 */
export function qemuConf(migrationAddress?: string): string {
  return [
    'user = "root"',
    'group = "root"',
    "dynamic_ownership = 0",
    "remember_owner = 0",
    'security_driver = "none"',
    "namespaces = [ ]",
    "cgroup_controllers = [ ]",
    'stdio_handler = "logd"',
    ...(migrationAddress ? [`migration_address = ${JSON.stringify(migrationAddress)}`] : []),
    "",
  ].join("\n");
}

/** The URI another node reaches this libvirtd at for a migration. */
export function libvirtTcpUri(address: string): string {
  return `qemu+tcp://${address}:${LIBVIRT_MIGRATION_PORT}/system`;
}
