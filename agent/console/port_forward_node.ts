/**
 * The node API's port-forward route: checks (the caller's certificate, the port and protocol, the
 * VMI on this node, its address), the connection to the VM, and only then the WebSocket and the
 * relay. Each refusal and each tunnel's end is logged with running counts; when the agent stops,
 * every tunnel is closed.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Socket } from "node:net";
import type { Socket as UdpSocket } from "node:dgram";
import { messageOf } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { type Peer, rejectUpgrade } from "../../lib/http/https_server.ts";
import { badRequest, internal, noRoute, StatusError } from "../../lib/http/status.ts";
import type { WsServer, WsSocket } from "../../lib/http/ws.ts";
import {
  addressText,
  dialTcp,
  dialUdp,
  firstInterfaceAddress,
  PORT_FORWARD_PATH,
  portAndProtocolOf,
  type Target,
} from "./port_forward.ts";
import { relayTcp, relayUdp, type TunnelEnd } from "./port_forward_relay.ts";
import type { VmiLike } from "./node_api.ts";

export interface PortForwarderOptions {
  /** Throws a 401 StatusError unless the peer may call the node API. */
  checkClient(peer: Peer): void;
  /** The VMI if it runs on this node; throws a 404 StatusError otherwise. */
  vmiOrThrow(namespace: string, name: string): Promise<VmiLike>;
  targetAddressOf?(vmi: VmiLike): string | undefined | Promise<string | undefined>;
  dialTimeoutMs?: number;
  /** The WebSocket server that takes the upgrades, made at the first (it loads the ws library). */
  server: () => Promise<Pick<WsServer, "handleUpgrade">>;
  log?: Logger;
}

/** Port-forward sessions of a node: the upgrade handler, counts, and closing them all. */
export function portForwarder(opts: PortForwarderOptions) {
  const sessions = new Set<WsSocket>();
  const counts = { opened: 0, refused: 0, failed: 0 };
  const addressOf = opts.targetAddressOf ?? firstInterfaceAddress;

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Uint8Array, peer: Peer) => {
    const path = new URL(req.url ?? "/", "https://localhost").pathname;
    const match = path.match(PORT_FORWARD_PATH);
    let vmiKey = "";
    let target: Target | undefined;
    let connection: Socket | UdpSocket;
    let server: Pick<WsServer, "handleUpgrade">;
    try {
      server = await opts.server();
      if (!match) throw noRoute(path);
      opts.checkClient(peer);
      const [namespace, name] = [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)];
      vmiKey = `${namespace}/${name}`;
      const { port, protocol } = portAndProtocolOf(
        decodeURIComponent(match[3]!),
        match[4] === undefined ? undefined : decodeURIComponent(match[4]),
      );
      const vmi = await opts.vmiOrThrow(namespace, name);
      const host = await addressOf(vmi);
      if (!host) throw badRequest(`VMI ${vmiKey} has no IP address on the pod network`);
      target = { host, port, protocol };
      connection = protocol === "tcp"
        ? await dialTcp(target, opts.dialTimeoutMs ?? 5_000)
        : await dialUdp(target);
    } catch (error) {
      counts.refused++;
      const status = error instanceof StatusError
        ? error.status
        : internal(messageOf(error)).status;
      opts.log?.warn("Port-forward refused", {
        vmi: vmiKey,
        ...(target ? { target: describe(target) } : {}),
        code: status.code,
        message: status.message,
        refused: counts.refused,
      });
      rejectUpgrade(socket, { code: status.code, body: status });
      return;
    }
    const to = target;
    let accepted = false;
    server.handleUpgrade(req, socket, head, (ws) => {
      accepted = true;
      counts.opened++;
      sessions.add(ws);
      const started = Date.now();
      opts.log?.info("Port-forward opened", {
        vmi: vmiKey,
        target: describe(to),
        active: sessions.size,
      });
      const onEnd = (end: TunnelEnd) => {
        sessions.delete(ws);
        const failed = end.code !== 1000 && end.code !== 1001 && end.code !== 1005;
        if (failed) counts.failed++;
        (failed ? opts.log?.warn : opts.log?.info)?.("Port-forward closed", {
          vmi: vmiKey,
          target: describe(to),
          ...end,
          ms: Date.now() - started,
          active: sessions.size,
          failed: counts.failed,
        });
      };
      if (to.protocol === "tcp") relayTcp(ws, connection as Socket, to, onEnd);
      else relayUdp(ws, connection as UdpSocket, to, onEnd);
    });
    // ws accepts synchronously or not at all (it answered the caller an error itself).
    if (!accepted) {
      if (to.protocol === "tcp") (connection as Socket).destroy();
      else (connection as UdpSocket).close();
    }
  };

  return {
    upgrade,
    counts,
    /** Tunnels open now. */
    get size(): number {
      return sessions.size;
    },
    /** Close every tunnel (agent shutdown). */
    closeAll(): void {
      for (const ws of [...sessions]) ws.close(1001, "The node agent is shutting down");
    },
  };
}

const describe = (target: Target) => `${target.protocol}/${addressText(target.host, target.port)}`;
