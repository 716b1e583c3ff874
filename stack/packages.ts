/** Debian packages the stack needs, installed when missing (root, apt-get). */
import { run, runChecked } from "../lib/exec.ts";

/** What the local stack and its guest fixture use from Debian. */
export const STACK_PACKAGES = [
  "libvirt-daemon-system",
  "libvirt-clients",
  "libvirt-dev",
  "qemu-system-x86",
  "qemu-utils",
  "busybox-static",
  "cpio",
  "gzip",
  "genisoimage",
  "dosfstools",
  "mtools",
  "syslinux",
  "syslinux-common",
  "openssl",
  // The pod network: CNI plugins (bridge, host-local, portmap, loopback), the iptables their
  // masquerade and port maps use, kube-proxy's and the agent's nftables, the agent's DHCP
  // server for guests, and ip for links and namespaces.
  "containernetworking-plugins",
  "iptables",
  "nftables",
  "dnsmasq-base",
  "iproute2",
  // The loopback OCI registry, its htpasswd files, and an independent client of it.
  "docker-registry",
  "apache2-utils",
  "skopeo",
  // virtctl ssh runs the OpenSSH client (and tests make keys with ssh-keygen).
  "openssh-client",
];

/**
 * What the integration tests add: the browser that drives the web console's tests, and the
 * Prometheus that scrapes the roles' metrics.
 */
export const TEST_PACKAGES = ["chromium", "prometheus"];

/** The packages of `names` that dpkg does not have installed. */
export async function missingPackages(names: string[]): Promise<string[]> {
  const result = await run("dpkg-query", ["-W", "-f=${Package} ${db:Status-Status}\n", ...names]);
  const installed = new Set(
    result.stdout.split("\n").filter((l) => l.endsWith(" installed")).map((l) => l.split(" ")[0]),
  );
  return names.filter((name) => !installed.has(name));
}

/** Install whatever of `names` is missing; says what it does through `say`. */
export async function ensureDebianPackages(names: string[], say: (line: string) => void) {
  const missing = await missingPackages(names);
  if (missing.length === 0) return;
  if (Deno.uid() !== 0) {
    throw new Error(`Cannot install Debian packages without root: missing ${missing.join(" ")}`);
  }
  say(`Installing Debian packages: ${missing.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await runChecked("apt-get", ["update", "-qq"], { env });
  await runChecked("apt-get", ["install", "-y", "-qq", ...missing], { env });
}
