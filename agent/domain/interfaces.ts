/**
 * `<interface>` elements. On the pod network, `masquerade` becomes QEMU's user-mode (SLIRP)
 * network and `bridge` a tap on the node's pod bridge; see docs/networking.md.
 */
import type { Interface, Network, VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { TerminalError } from "../../lib/errors.ts";
import { pciAddressElement } from "./disks.ts";
import { DomainSpecError, unsupported } from "./errors.ts";
import type { NodeFacts } from "./types.ts";
import { el, type XmlElement } from "./xml.ts";

/** KubeVirt's default VM network for masquerade. */
export const DEFAULT_VM_NETWORK_CIDR = "10.0.2.0/24";
const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

/** The `<interface>` elements of the VMI's interfaces that are not `absent`. */
export function interfaceElements(
  spec: VirtualMachineInstanceSpec,
  node: NodeFacts,
): XmlElement[] {
  const networks = new Map((spec.networks ?? []).map((n) => [n.name, n]));
  const transitional = spec.domain.devices.useVirtioTransitional === true;
  const elements: XmlElement[] = [];
  (spec.domain.devices.interfaces ?? []).forEach((iface, i) => {
    const path = `spec.domain.devices.interfaces[${i}]`;
    if (iface.state === "absent") return;
    const network = networks.get(iface.name);
    if (!network) {
      throw new DomainSpecError(
        `${path}.name`,
        `no network is named ${JSON.stringify(iface.name)}`,
      );
    }
    elements.push(interfaceElement(iface, network, node, path, transitional));
  });
  return elements;
}

function interfaceElement(
  iface: Interface,
  network: Network,
  node: NodeFacts,
  path: string,
  transitional: boolean,
): XmlElement {
  for (const binding of ["sriov", "slirp", "macvtap", "passt", "binding"] as const) {
    if (iface[binding] !== undefined) unsupported(`${path}.${binding}`, `the ${binding} binding`);
  }
  if (iface.dhcpOptions) unsupported(`${path}.dhcpOptions`, "DHCP options");
  if (network.multus) unsupported(`spec.networks[name=${network.name}].multus`, "a Multus network");
  if (network.resourceClaim) {
    unsupported(`spec.networks[name=${network.name}].resourceClaim`, "a resource claim network");
  }
  if (iface.macAddress !== undefined && !MAC.test(iface.macAddress)) {
    throw new DomainSpecError(
      `${path}.macAddress`,
      `${JSON.stringify(iface.macAddress)} is not a MAC address`,
    );
  }
  const model = iface.model ?? "virtio";
  const common = [
    iface.macAddress !== undefined &&
    el("mac", { address: iface.macAddress.replaceAll("-", ":").toLowerCase() }),
    el("model", { type: model === "virtio" && transitional ? "virtio-transitional" : model }),
    iface.bootOrder !== undefined && el("boot", { order: iface.bootOrder }),
    iface.state === "down" && el("link", { state: "down" }),
    iface.acpiIndex !== undefined && el("acpi", { index: iface.acpiIndex }),
    el("alias", { name: `ua-${iface.name}` }),
    iface.pciAddress !== undefined && pciAddressElement(iface.pciAddress, `${path}.pciAddress`),
  ];
  if (iface.bridge) {
    if (!node.bridge) {
      throw new TerminalError(
        `${path}.bridge: node ${node.name} has no bridge for the pod network: configure the agent's bridge`,
      );
    }
    return el("interface", { type: "bridge" }, el("source", { bridge: node.bridge }), common);
  }
  // masquerade is KubeVirt's default binding on the pod network.
  const v4 = parseCidr(network.pod?.vmNetworkCIDR ?? DEFAULT_VM_NETWORK_CIDR, 4, `${path}`);
  const v6 = network.pod?.vmIPv6NetworkCIDR;
  return el(
    "interface",
    { type: "user" },
    el("ip", { family: "ipv4", address: v4.address, prefix: v4.prefix }),
    v6 !== undefined && (() => {
      const v6Path = `spec.networks[name=${network.name}].pod.vmIPv6NetworkCIDR`;
      const parsed = parseCidr(v6, 6, v6Path);
      // libvirt 9.0: "unsupported IPv6 address prefix='120' - must be 64".
      if (parsed.prefix !== 64) {
        throw new DomainSpecError(v6Path, "user-mode networking needs a /64 IPv6 network");
      }
      return el("ip", { family: "ipv6", address: parsed.address, prefix: parsed.prefix });
    })(),
    common,
  );
}

/** An IPv4 CIDR reduced to its network address, or an IPv6 CIDR checked for shape. */
export function parseCidr(
  cidr: string,
  family: 4 | 6,
  path: string,
): { address: string; prefix: number } {
  const [address = "", prefixText = "", ...rest] = cidr.split("/");
  const prefix = Number(prefixText);
  const bad = () =>
    new DomainSpecError(path, `${JSON.stringify(cidr)} is not an IPv${family} CIDR`);
  if (rest.length > 0 || !/^\d+$/.test(prefixText)) throw bad();
  if (family === 6) {
    if (prefix > 128 || !/^[0-9a-f:]+$/i.test(address) || !address.includes(":")) throw bad();
    return { address, prefix };
  }
  const octets = address.split(".").map((o) => (/^\d{1,3}$/.test(o) ? Number(o) : NaN));
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)) || prefix > 30) throw bad();
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const network = value - (value % size);
  return {
    address: [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join("."),
    prefix,
  };
}
