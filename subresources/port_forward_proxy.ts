/**
 * Port-forward through the aggregated API: the API server forwards the caller's WebSocket upgrade
 * here; after the checks of every call (front proxy, SubjectAccessReview) and virt-api's (the VMI,
 * or the VM's VMI, unpaused, with interfaces, running) the VMI's node agent connects to the VM's
 * port, and only then is the caller accepted, so that every refusal reaches the caller as a Status
 * answer (virtctl prints its message). Then binary messages are relayed both ways until either
 * side closes; the caller is pinged as virt-api pings it.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { messageOf } from "../lib/errors.ts";
import { type Peer, rejectUpgrade } from "../lib/http/https_server.ts";
import { badRequest, internal, noRoute, notFound, StatusError } from "../lib/http/status.ts";
import { CONSOLE_PROTOCOL, WebSocketServer, type WsSocket } from "../lib/http/ws.ts";
import {
  type Authorizer,
  callerOfUpgrade,
  type RequestHeaderConfig,
  requireAllowed,
} from "./access.ts";
import type { VmiLike, VmLike } from "./lifecycle.ts";
import {
  portForwardPathOf,
  type PortForwardProtocol,
  type PortForwardRequest,
  portForwardRequestOf,
  vmiOfVm,
} from "./port_forward.ts";
import { checkPortForward } from "./vmi_checks.ts";
import { type KeepAlive, relay } from "./ws_relay.ts";

/** One line per tunnel: refused with why, or opened and then closed with how. */
export interface PortForwardLogEntry {
  user: string;
  namespace: string;
  resource: string;
  name: string;
  port?: number;
  protocol?: string;
  event: "refused" | "opened" | "closed";
  code?: number;
  message?: string;
  ms?: number;
}

export interface PortForwardProxyOptions {
  getVm(namespace: string, name: string): Promise<VmLike | undefined>;
  getVmi(namespace: string, name: string): Promise<VmiLike | undefined>;
  authorize: Authorizer;
  /** A WebSocket to the VMI's agent, connected to the VM's port; rejects with a StatusError. */
  openPortForward(vmi: VmiLike, port: number, protocol: PortForwardProtocol): Promise<WsSocket>;
  requestHeaders?: RequestHeaderConfig;
  /** Default: a ping every 10 s, and a caller silent for 60 s is gone. */
  keepAlive?: KeepAlive;
  onTunnel?: (entry: PortForwardLogEntry) => void;
}

/** The upgrade handler of port-forward paths. */
export function portForwardProxy(opts: PortForwardProxyOptions) {
  const server = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => offered.has(CONSOLE_PROTOCOL) ? CONSOLE_PROTOCOL : false,
    maxPayload: 1024 * 1024,
  });
  const keepAlive = opts.keepAlive ?? { intervalMs: 10_000, deadMs: 60_000 };

  return async (req: IncomingMessage, socket: Duplex, head: Uint8Array, peer: Peer) => {
    const started = Date.now();
    const path = new URL(req.url ?? "/", "https://localhost").pathname;
    const parts = portForwardPathOf(path);
    const entry: PortForwardLogEntry = {
      user: "",
      namespace: parts?.namespace ?? "",
      resource: parts?.resource ?? "",
      name: parts?.name ?? "",
      event: "refused",
    };
    let agent: WsSocket;
    try {
      if (!parts) throw noRoute(path);
      const caller = callerOfUpgrade(peer, req, opts.requestHeaders);
      entry.user = caller.user;
      await requireAllowed(opts.authorize, caller, {
        verb: "get",
        version: parts.version,
        namespace: parts.namespace,
        resource: parts.resource,
        subresource: "portforward",
        name: parts.name,
      });
      const request = portForwardRequestOf(parts);
      Object.assign(entry, { port: request.port, protocol: request.protocol });
      requireWebSocketUpgrade(req);
      const vmi = await vmiOf(opts, request);
      checkPortForward(vmi);
      agent = await opts.openPortForward(vmi, request.port, request.protocol);
    } catch (error) {
      const status = error instanceof StatusError
        ? error.status
        : internal(messageOf(error)).status;
      opts.onTunnel?.({ ...entry, code: status.code, message: status.message ?? "" });
      rejectUpgrade(socket, { code: status.code, body: status });
      return;
    }
    // Hold what the VM sends until the caller's socket is open.
    agent.pause();
    let accepted = false;
    server.handleUpgrade(req, socket, head, (client) => {
      accepted = true;
      opts.onTunnel?.({ ...entry, event: "opened", ms: Date.now() - started });
      relay(client, agent, ({ code, reason }) => {
        opts.onTunnel?.({
          ...entry,
          event: "closed",
          code,
          ...(reason ? { message: reason } : {}),
          ms: Date.now() - started,
        });
      }, keepAlive);
      agent.resume();
    });
    // ws accepts synchronously or not at all (it answered the caller an error itself).
    if (!accepted) {
      agent.terminate();
      opts.onTunnel?.({ ...entry, message: "the caller's WebSocket handshake failed" });
    }
  };
}

/** The VMI a request reaches: the named VMI, or the VM's VMI; 404 and virt-api's errors. */
async function vmiOf(opts: PortForwardProxyOptions, request: PortForwardRequest) {
  const { namespace, name } = request;
  if (request.resource === "virtualmachines") {
    const vm = await opts.getVm(namespace, name);
    if (!vm) throw notFound("virtualmachine", name);
    return vmiOfVm(
      vm,
      vm.status?.created === true ? await opts.getVmi(namespace, name) : undefined,
    );
  }
  const vmi = await opts.getVmi(namespace, name);
  if (!vmi) throw notFound("virtualmachineinstance", name);
  return vmi;
}

/**
 * Only a WebSocket handshake is relayed: anything else would make the agent connect to the VM
 * for a caller that can never be accepted.
 */
function requireWebSocketUpgrade(req: IncomingMessage): void {
  if (
    req.headers.upgrade?.toLowerCase() !== "websocket" || !req.headers["sec-websocket-key"]
  ) {
    throw badRequest("Port-forward is a WebSocket: connect with Upgrade: websocket");
  }
}
