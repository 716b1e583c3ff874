/**
 * The `portforward` subresource's request and checks, as virt-api serves it (pkg/virt-api/rest
 * portforward.go, dialers.go): `GET .../virtualmachineinstances/{name}/portforward/{port}` with an
 * optional `/{protocol}`, and the same under `virtualmachines/{name}` for the VM's VMI. Pure: parse
 * the path, decide which VMI answers and whether it may; `port_forward_proxy.ts` does the rest.
 */
import { badRequest, conflict, internal, notFound } from "../lib/http/status.ts";
import { GROUP } from "./discovery.ts";
import type { VmiLike, VmLike } from "./lifecycle.ts";

export type PortForwardProtocol = "tcp" | "udp";

/** The parts of a port-forward path, as written (decoded, not checked). */
export interface PortForwardPath {
  version: string;
  namespace: string;
  resource: "virtualmachineinstances" | "virtualmachines";
  name: string;
  port: string;
  protocol?: string;
}

/** What a port-forward request asks for, checked. */
export interface PortForwardRequest extends Omit<PortForwardPath, "port" | "protocol"> {
  port: number;
  protocol: PortForwardProtocol;
}

const PATH = new RegExp(
  `^/apis/${GROUP.replaceAll(".", "\\.")}/(v1|v1alpha3)/namespaces/([^/]+)/` +
    "(virtualmachineinstances|virtualmachines)/([^/]+)/portforward/([^/]+)(?:/([^/]+))?$",
);

/** The parts of a port-forward path; undefined for any other path. */
export function portForwardPathOf(path: string): PortForwardPath | undefined {
  const match = path.match(PATH);
  if (!match) return undefined;
  const [, version, namespace, resource, name, port, protocol] = match;
  return {
    version: version!,
    namespace: decodeURIComponent(namespace!),
    resource: resource as PortForwardPath["resource"],
    name: decodeURIComponent(name!),
    port: decodeURIComponent(port!),
    ...(protocol === undefined ? {} : { protocol: decodeURIComponent(protocol) }),
  };
}

/** The checked request; throws a 400 StatusError naming the port or protocol that is not one. */
export function portForwardRequestOf(path: PortForwardPath): PortForwardRequest {
  const { port, protocol, ...rest } = path;
  return { ...rest, port: portOf(port), protocol: protocolOf(protocol) };
}

/** A TCP or UDP port: 1 to 65535, digits only (virtctl sends what its user typed). */
export function portOf(text: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw badRequest(`Invalid port: "${text}" is not a number from 1 to 65535`);
  }
  return port;
}

/** `tcp` when absent, as virt-api defaults it; `tcp` or `udp` otherwise. */
export function protocolOf(text: string | undefined): PortForwardProtocol {
  if (text === undefined || text === "tcp") return "tcp";
  if (text === "udp") return "udp";
  throw badRequest(`Invalid protocol: "${text}" is not tcp or udp`);
}

/**
 * The VMI a `virtualmachines/{name}/portforward` request reaches, as virt-api finds it: the VM
 * must have created one, and the VMI of that name must be the VM's own.
 */
export function vmiOfVm(vm: VmLike, vmi: VmiLike | undefined): VmiLike {
  const name = vm.metadata.name ?? "";
  if (vm.status?.created !== true) throw conflict("virtualmachine", name, "VMI is not started");
  if (!vmi) throw notFound("virtualmachineinstance", name);
  const owned = (vmi.metadata.ownerReferences ?? []).some((ref) =>
    ref.uid !== undefined && ref.uid === vm.metadata.uid
  );
  if (!owned) {
    throw internal(`unable to retrieve vmi [${name}] for vm: the VMI is not owned by the VM`);
  }
  return vmi;
}
