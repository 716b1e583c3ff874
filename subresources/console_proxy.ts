/**
 * The serial console and VNC through the aggregated API: the API server forwards the caller's WebSocket
 * upgrade here; after the same checks as every call (front proxy, SubjectAccessReview, a running
 * VMI) it opens the console on the VMI's agent first, and only then accepts the caller, so that
 * errors reach the caller as Status answers, then relays messages both ways until either ends.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  type Authorizer,
  callerOfUpgrade,
  type RequestHeaderConfig,
  requireAllowed,
} from "./access.ts";
import { GROUP } from "./discovery.ts";
import { type Peer, rejectUpgrade } from "../lib/http/https_server.ts";
import type { VmiLike } from "./lifecycle.ts";
import { internal, noRoute, notFound, StatusError } from "../lib/http/status.ts";
import { checkConsole, checkVnc } from "./vmi_checks.ts";
import {
  BINARY_PROTOCOL,
  CONSOLE_PROTOCOL,
  WebSocketServer,
  type WsSocket,
} from "../lib/http/ws.ts";
import { relay } from "./ws_relay.ts";

const CONSOLE_PATH = new RegExp(
  `^/apis/${
    GROUP.replaceAll(".", "\\.")
  }/(v1|v1alpha3)/namespaces/([^/]+)/virtualmachineinstances/([^/]+)/(console|vnc)$`,
);

export interface ConsoleProxyOptions {
  getVmi(namespace: string, name: string): Promise<VmiLike | undefined>;
  authorize: Authorizer;
  openConsole(vmi: VmiLike): Promise<WsSocket>;
  /** The VMI's VNC; `preserveSession` refuses (503) rather than take over a viewer's session. */
  openVnc?(vmi: VmiLike, preserveSession: boolean): Promise<WsSocket>;
  requestHeaders?: RequestHeaderConfig;
  onSession?: (
    entry: {
      user: string;
      namespace: string;
      name: string;
      /** `console` or `vnc`. */
      subresource: string;
      event: string;
      ms?: number;
      message?: string;
    },
  ) => void;
}

/**
 * The subprotocol answered: `plain.kubevirt.io` when offered; for VNC, `binary` too, which noVNC
 * builds offer (the same raw RFB bytes in binary messages); else none, and the upgrade fails.
 */
export function subprotocolFor(offered: Set<string>, path: string): string | false {
  if (offered.has(CONSOLE_PROTOCOL)) return CONSOLE_PROTOCOL;
  return offered.has(BINARY_PROTOCOL) && path.endsWith("/vnc") ? BINARY_PROTOCOL : false;
}

/** The upgrade handler of the aggregated server. */
export function consoleProxy(opts: ConsoleProxyOptions) {
  const server = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered, req) =>
      subprotocolFor(offered, new URL(req.url ?? "/", "https://localhost").pathname),
    maxPayload: 1024 * 1024,
  });
  return async (req: IncomingMessage, socket: Duplex, head: Uint8Array, peer: Peer) => {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "https://localhost");
    const path = url.pathname;
    const match = path.match(CONSOLE_PATH);
    const subresource = match?.[4] ?? "console";
    let user = "";
    let agent: WsSocket | undefined;
    const [namespace, name] = [
      decodeURIComponent(match?.[2] ?? ""),
      decodeURIComponent(match?.[3] ?? ""),
    ];
    try {
      if (!match) throw noRoute(path);
      const caller = callerOfUpgrade(peer, req, opts.requestHeaders);
      user = caller.user;
      await requireAllowed(opts.authorize, caller, {
        verb: "get",
        version: match[1]!,
        namespace,
        resource: "virtualmachineinstances",
        subresource,
        name,
      });
      const vmi = await opts.getVmi(namespace, name);
      if (!vmi) throw notFound("virtualmachineinstance", name);
      if (subresource === "vnc") {
        if (!opts.openVnc) throw noRoute(path);
        checkVnc(vmi);
        agent = await opts.openVnc(vmi, url.searchParams.get("preserveSession") === "true");
      } else {
        checkConsole(vmi);
        agent = await opts.openConsole(vmi);
      }
    } catch (error) {
      const status = error instanceof StatusError ? error.status : internal(String(error)).status;
      opts.onSession?.({
        user,
        namespace,
        name,
        subresource,
        event: "refused",
        message: status.message ?? "",
      });
      rejectUpgrade(socket, { code: status.code, body: status });
      return;
    }
    const upstream = agent;
    // Hold what the guest writes until the caller's socket is open.
    upstream.pause();
    server.handleUpgrade(req, socket, head, (client) => {
      opts.onSession?.({
        user,
        namespace,
        name,
        subresource,
        event: "attached",
        ms: Date.now() - started,
      });
      relay(client, upstream, () => {
        opts.onSession?.({
          user,
          namespace,
          name,
          subresource,
          event: "detached",
          ms: Date.now() - started,
        });
      });
      upstream.resume();
    });
  };
}
