/**
 * `<interface>` elements. On the pod network both bindings are a tap on the VM's bridge into the
 * launcher pod's namespace, where the agent set up masquerade or bridging (agent/network); where
 * the agent cannot join the pod's namespace, masquerade falls back to QEMU's user-mode (SLIRP)
 * network. See docs/networking.md.
 */
import {
  DEFAULT_VM_NETWORK_CIDR,
  type Interface,
  type Network,
  networkQueuesOf,
  notACidr,
  parseCidr,
  USER_NETWORK_IPV6_PREFIX,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { TerminalError } from "../../lib/errors.ts";
import { pciAddressElement } from "./disks.ts";
import { DomainSpecError } from "./errors.ts";
import { el, type XmlElement } from "./xml.ts";

export { DEFAULT_VM_NETWORK_CIDR };
const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

/** The `<interface>` elements of the VMI's interfaces that are not `absent`. */
export function interfaceElements(
  spec: VirtualMachineInstanceSpec,
  podBridge: string | undefined,
  macs: Record<string, string> = {},
): XmlElement[] {
  const networks = new Map((spec.networks ?? []).map((n, i) => [n.name, { network: n, i }]));
  const transitional = spec.domain.devices.useVirtioTransitional === true;
  const elements: XmlElement[] = [];
  (spec.domain.devices.interfaces ?? []).forEach((iface, i) => {
    const path = `spec.domain.devices.interfaces[${i}]`;
    if (iface.state === "absent") return;
    const found = networks.get(iface.name);
    if (!found) {
      throw new DomainSpecError(
        `${path}.name`,
        `no network is named ${JSON.stringify(iface.name)}`,
      );
    }
    const { network, i: n } = found;
    const queues = networkQueuesOf(spec, iface);
    elements.push(
      interfaceElement(iface, network, {
        podBridge,
        path,
        n,
        transitional,
        queues,
        mac: macs[iface.name],
      }),
    );
  });
  return elements;
}

function interfaceElement(
  iface: Interface,
  network: Network,
  at: {
    podBridge: string | undefined;
    path: string;
    n: number;
    transitional: boolean;
    queues: number;
    /** The MAC the running guest has, when the spec names none (a migration keeps it). */
    mac: string | undefined;
  },
): XmlElement {
  const { podBridge, path, transitional, queues } = at;
  if (iface.macAddress !== undefined && !MAC.test(iface.macAddress)) {
    throw new DomainSpecError(
      `${path}.macAddress`,
      `${JSON.stringify(iface.macAddress)} is not a MAC address`,
    );
  }
  const model = iface.model ?? "virtio";
  const common = [
    iface.macAddress !== undefined
      ? el("mac", { address: iface.macAddress.replaceAll("-", ":").toLowerCase() })
      : at.mac !== undefined && el("mac", { address: at.mac }),
    el("model", { type: model === "virtio" && transitional ? "virtio-transitional" : model }),
    iface.bootOrder !== undefined && el("boot", { order: iface.bootOrder }),
    iface.state === "down" && el("link", { state: "down" }),
    iface.acpiIndex !== undefined && el("acpi", { index: iface.acpiIndex }),
    el("alias", { name: `ua-${iface.name}` }),
    iface.pciAddress !== undefined && pciAddressElement(iface.pciAddress, `${path}.pciAddress`),
  ];
  if (podBridge !== undefined) {
    // A tap takes one queue per vCPU, as KubeVirt renders it (`vhost`, the kernel's backend).
    const driver = queues > 0 && el("driver", { name: "vhost", queues });
    return el("interface", { type: "bridge" }, el("source", { bridge: podBridge }), driver, common);
  }
  if (iface.bridge) {
    throw new TerminalError(
      `${path}.bridge: this node cannot join the launcher pod's network namespace, which the ` +
        "bridge binding needs: use masquerade",
    );
  }
  if ((iface.ports ?? []).length > 0) {
    throw new TerminalError(
      `${path}.ports: this node cannot join the launcher pod's network namespace, so nothing ` +
        "forwards ports to the guest",
    );
  }
  // The fallback: QEMU's user-mode network behind masquerade. It has one queue (libvirt 9.0: "multiqueue is not supported for network interfaces of type user"),
  // which is all a guest with one vCPU gets under networkInterfaceMultiqueue.
  if (queues > 1) {
    throw new DomainSpecError(
      "spec.domain.devices.networkInterfaceMultiqueue",
      `${queues} queues for masquerade interface ${JSON.stringify(iface.name)}: ` +
        "QEMU's user-mode network has one",
    );
  }
  const networkPath = `spec.networks[${at.n}].pod`;
  const v4Cidr = network.pod?.vmNetworkCIDR ?? DEFAULT_VM_NETWORK_CIDR;
  const v4 = parseCidr(v4Cidr, 4);
  if (!v4) throw new DomainSpecError(`${networkPath}.vmNetworkCIDR`, notACidr(v4Cidr, 4));
  const v6Cidr = network.pod?.vmIPv6NetworkCIDR;
  const v6 = v6Cidr === undefined ? undefined : parseCidr(v6Cidr, 6);
  if (v6Cidr !== undefined && !v6) {
    throw new DomainSpecError(`${networkPath}.vmIPv6NetworkCIDR`, notACidr(v6Cidr, 6));
  }
  // libvirt 9.0: "unsupported IPv6 address prefix='120' - must be 64".
  if (v6 && v6.prefix !== USER_NETWORK_IPV6_PREFIX) {
    throw new DomainSpecError(
      `${networkPath}.vmIPv6NetworkCIDR`,
      "user-mode networking needs a /64 IPv6 network",
    );
  }
  return el(
    "interface",
    { type: "user" },
    el("ip", { family: "ipv4", address: v4.address, prefix: v4.prefix }),
    v6 && el("ip", { family: "ipv6", address: v6.address, prefix: v6.prefix }),
    common,
  );
}
