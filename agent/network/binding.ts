/** The VMI's interface on the pod network and how it binds there. Pure. */
import {
  DEFAULT_VM_NETWORK_CIDR,
  type Interface,
  parseCidr,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { TerminalError } from "../../lib/errors.ts";
import { vmNetworkOf } from "./masquerade.ts";
import type { Binding } from "./wiring.ts";

/** The interface on the pod network (KubeVirt allows one), if the VMI has one that is not absent. */
export function podInterfaceOf(spec: VirtualMachineInstanceSpec): Interface | undefined {
  const pod = (spec.networks ?? []).find((n) => n.pod !== undefined);
  if (!pod) return undefined;
  const iface = (spec.domain.devices.interfaces ?? []).find((i) => i.name === pod.name);
  return iface && iface.state !== "absent" ? iface : undefined;
}

/** How the VMI's pod-network interface binds; undefined when it has none. */
export function bindingOf(spec: VirtualMachineInstanceSpec): Binding | undefined {
  const iface = podInterfaceOf(spec);
  if (!iface) return undefined;
  if (iface.bridge !== undefined) return { kind: "bridge" };
  const index = (spec.networks ?? []).findIndex((n) => n.pod !== undefined);
  const cidr = spec.networks![index]!.pod!.vmNetworkCIDR ?? DEFAULT_VM_NETWORK_CIDR;
  const parsed = parseCidr(cidr, 4);
  if (!parsed) {
    throw new TerminalError(`spec.networks[${index}].pod.vmNetworkCIDR: ${cidr} is not a CIDR`);
  }
  return { kind: "masquerade", vmNetwork: vmNetworkOf(parsed), ports: iface.ports };
}
