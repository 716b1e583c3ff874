/**
 * Port-forward on the node: for each WebSocket of the subresource API the agent connects to the
 * VM's address on the pod network (TCP, or a connected UDP socket) and relays raw bytes in binary
 * messages, one connection per WebSocket, as KubeVirt's virt-api dials it. The connection is made
 * before the WebSocket is accepted, so a refused or unreachable port is a Status answer (virt-api's
 * 500 "dialing VM: ..."); the relays (`port_forward_relay.ts`) close the WebSocket with the reason
 * of a connection that fails later. This file: the path, the address, dialing.
 */
import { createConnection, isIPv6, type Socket } from "node:net";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { badRequest, internal } from "../../lib/http/status.ts";

export type Protocol = "tcp" | "udp";

/** Where a port-forward goes. */
export interface Target {
  host: string;
  port: number;
  protocol: Protocol;
}

/** The agent's path: `.../virtualmachineinstances/{name}/portforward/{port}[/{protocol}]`. */
export const PORT_FORWARD_PATH =
  /^\/v1\/namespaces\/([^/]+)\/virtualmachineinstances\/([^/]+)\/portforward\/([^/]+)(?:\/([^/]+))?$/;

/** Port and protocol of a path's last segments; a 400 StatusError names the one that is wrong. */
export function portAndProtocolOf(
  port: string,
  protocol: string | undefined,
): { port: number; protocol: Protocol } {
  const number = /^[0-9]{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(number >= 1 && number <= 65535)) {
    throw badRequest(`Invalid port: "${port}" is not a number from 1 to 65535`);
  }
  if (protocol !== undefined && protocol !== "tcp" && protocol !== "udp") {
    throw badRequest(`Invalid protocol: "${protocol}" is not tcp or udp`);
  }
  return { port: number, protocol: protocol ?? "tcp" };
}

/** What the default address reader needs of a VMI. */
export interface VmiAddresses {
  status?: { interfaces?: { ipAddress?: string }[] };
}

/** The VM's address: the IP of the first interface in its status that has one. */
export function firstInterfaceAddress(vmi: VmiAddresses): string | undefined {
  return (vmi.status?.interfaces ?? []).find((i) => i.ipAddress)?.ipAddress;
}

/** `host:port` as Go writes it, IPv6 in brackets. */
export function addressText(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A socket error in the words of Go's net package, which KubeVirt's messages carry. */
export function goErrorText(op: string, target: Target, error: unknown): string {
  const code = (error as { code?: string }).code ?? "";
  const why = {
    ECONNREFUSED: "connect: connection refused",
    EHOSTUNREACH: "connect: no route to host",
    ENETUNREACH: "connect: network is unreachable",
    ETIMEDOUT: "i/o timeout",
    ECONNRESET: "connection reset by peer",
    EPIPE: "broken pipe",
  }[code] ?? (error instanceof Error ? error.message : String(error));
  return `${op} ${target.protocol} ${addressText(target.host, target.port)}: ${why}`;
}

/** A connected TCP socket, or a 500 StatusError as virt-api words it ("dialing VM: ..."). */
export function dialTcp(target: Target, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: target.host, port: target.port });
    const fail = (error: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      reject(internal(`dialing VM: ${goErrorText("dial", target, error)}`));
    };
    const timer = setTimeout(() => fail({ code: "ETIMEDOUT" }), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once("error", fail);
  });
}

/** A UDP socket connected to the target, or a 500 StatusError ("dialing VM: ..."). */
export function dialUdp(target: Target): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(target.host) ? "udp6" : "udp4");
    socket.once("error", (error) => {
      socket.close();
      reject(internal(`dialing VM: ${goErrorText("dial", target, error)}`));
    });
    socket.connect(target.port, target.host, () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
  });
}
