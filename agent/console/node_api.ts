/**
 * The agent's node API, called only by the aggregated API server (`subresources/`):
 *   PUT /v1/namespaces/{ns}/virtualmachineinstances/{name}/pause|unpause|softreboot
 *   GET /v1/namespaces/{ns}/virtualmachineinstances/{name}/console  (WebSocket, plain.kubevirt.io)
 *   GET /v1/namespaces/{ns}/virtualmachineinstances/{name}/vnc[?preserveSession=true]  (alike)
 *   GET /v1/namespaces/{ns}/virtualmachineinstances/{name}/vnc/screenshot  (image/png)
 *   GET /v1/namespaces/{ns}/virtualmachineinstances/{name}/userlist|filesystemlist  (JSON lists)
 *   GET /v1/namespaces/{ns}/virtualmachineinstances/{name}/portforward/{port}[/{tcp|udp}]  (alike)
 * Callers must present a client certificate of the cluster CA whose CN is an allowed identity
 * (the webhooks' ServiceAccount); answers are Kubernetes Status objects on error.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { Hono } from "hono";
import { guestAgentList, type GuestFileSystem, type GuestOSUser } from "../../api/mod.ts";
import { messageOf } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { type Peer, rejectUpgrade } from "../../lib/http/https_server.ts";
import {
  conflict,
  internal,
  noRoute,
  notFound,
  StatusError,
  statusResponse,
  unauthorized,
  unavailable,
} from "../../lib/http/status.ts";
import type { WsServer } from "../../lib/http/ws.ts";
import { CONSOLE_PROTOCOL } from "../../lib/http/ws_common.ts";
import { SerialConsoles } from "./serial.ts";
import { PORT_FORWARD_PATH } from "./port_forward.ts";
import { portForwarder } from "./port_forward_node.ts";

import { WEBHOOKS_IDENTITY } from "../../api/contract.ts";
export { WEBHOOKS_IDENTITY };

/** The parts of a VMI the node API reads; the agent hands it whole VMIs from its cache. */
export interface VmiLike {
  metadata: { name?: string; namespace?: string };
  status?: { interfaces?: { ipAddress?: string }[] };
}

/** What the agent does to a domain; implemented over libvirt by the agent. */
export interface DomainActions {
  pause(vmi: VmiLike): Promise<void>;
  unpause(vmi: VmiLike): Promise<void>;
  /** ACPI power button, or the guest agent's reboot when one is connected. */
  softReboot(vmi: VmiLike): Promise<void>;
  /** The PNG of the guest's screen; without it, screenshots answer 404. */
  screenshot?(vmi: VmiLike): Promise<Uint8Array<ArrayBuffer>>;
  /** The guest agent's users; without it, userlist answers 404. */
  guestUsers?(vmi: VmiLike): Promise<GuestOSUser[]>;
  /** The guest agent's filesystems; without it, filesystemlist answers 404. */
  guestFilesystems?(vmi: VmiLike): Promise<GuestFileSystem[]>;
}

export interface NodeApiOptions {
  /** The VMI if it runs on this node (from the agent's cache). */
  vmiOf(namespace: string, name: string): VmiLike | undefined | Promise<VmiLike | undefined>;
  /** Its serial console socket (`vmiRunPathsFor(vmi, node).serialSocket`). */
  serialSocketOf(vmi: VmiLike): string;
  /** Its VNC socket (`vmiRunPathsFor(vmi, node).vncSocket`); without it, VNC answers 404. */
  vncSocketOf?(vmi: VmiLike): string;
  domains: DomainActions;
  /**
   * The VM's address on the pod network, which port-forward connects to (undefined: it has none);
   * default: the IP of the first interface in the VMI's status that has one.
   */
  targetAddressOf?(vmi: VmiLike): string | undefined | Promise<string | undefined>;
  /** How long port-forward waits for the VM to accept a TCP connection; default 5 s. */
  dialTimeoutMs?: number;
  /** CNs allowed to call; default the webhooks' identity. */
  allowedClients?: string[];
  log?: Logger;
}

type Env = { Bindings: { peer: Peer } };
const PATH = "/v1/namespaces/:namespace/virtualmachineinstances/:name";
const SESSION_PATH = /^\/v1\/namespaces\/([^/]+)\/virtualmachineinstances\/([^/]+)\/(console|vnc)$/;

/** Throws a 401 StatusError unless the peer is an allowed client of the cluster CA. */
export function requireClient(peer: Peer | undefined, allowed: string[]): void {
  if (!peer?.authorized) {
    throw unauthorized(
      `Unauthorized: a client certificate of the cluster CA is required (${
        peer?.authorizationError ?? "none presented"
      })`,
    );
  }
  if (!allowed.includes(peer.commonName ?? "")) {
    throw unauthorized(`Unauthorized: "${peer.commonName}" may not call the node API`);
  }
}

/** The node API: a Hono app for the plain calls, an upgrade handler for the WebSockets. */
export function nodeApi(opts: NodeApiOptions) {
  const allowed = opts.allowedClients ?? [WEBHOOKS_IDENTITY];
  const consoles = new SerialConsoles();
  const vncs = new SerialConsoles("VNC");
  const vmiOrThrow = async (namespace: string, name: string) => {
    const vmi = await opts.vmiOf(namespace, name);
    if (!vmi) throw notFound("virtualmachineinstance", name);
    return vmi;
  };

  const app = new Hono<Env>();
  app.use("/v1/*", async (c, next) => {
    requireClient(c.env?.peer, allowed);
    await next();
  });
  const action =
    (what: "pause" | "unpause" | "softReboot") =>
    async (c: { req: { param(name: string): string }; body(b: null, s: 200): Response }) => {
      const vmi = await vmiOrThrow(c.req.param("namespace"), c.req.param("name"));
      await opts.domains[what](vmi);
      opts.log?.info("Node API", {
        action: what,
        vmi: `${vmi.metadata.namespace}/${vmi.metadata.name}`,
      });
      return c.body(null, 200);
    };
  app.put(`${PATH}/pause`, action("pause"));
  app.put(`${PATH}/unpause`, action("unpause"));
  app.put(`${PATH}/softreboot`, action("softReboot"));
  app.get(`${PATH}/vnc/screenshot`, async (c) => {
    const vmi = await vmiOrThrow(c.req.param("namespace"), c.req.param("name"));
    if (!opts.domains.screenshot) throw noRoute(c.req.path);
    const png = await opts.domains.screenshot(vmi);
    return c.body(png, 200, { "content-type": "image/png" });
  });
  for (const [tail, what] of [["userlist", "guestUsers"], ["filesystemlist", "guestFilesystems"]]) {
    app.get(`${PATH}/${tail}`, async (c) => {
      const vmi = await vmiOrThrow(c.req.param("namespace"), c.req.param("name"));
      const read = opts.domains[what as "guestUsers" | "guestFilesystems"];
      if (!read) throw noRoute(c.req.path);
      return c.json(guestAgentList<unknown>(await read(vmi)));
    });
  }
  app.notFound((c) => statusResponse(noRoute(c.req.path)));
  app.onError((error) =>
    statusResponse(error instanceof StatusError ? error : internal(messageOf(error)))
  );

  // The ws library loads at the first console or port-forward, not with the agent.
  let loading: Promise<WsServer> | undefined;
  const wsServer = () =>
    loading ??= import("../../lib/http/ws.ts").then(({ WebSocketServer }) =>
      new WebSocketServer({
        noServer: true,
        handleProtocols: (offered) => offered.has(CONSOLE_PROTOCOL) ? CONSOLE_PROTOCOL : false,
        maxPayload: 1024 * 1024,
      })
    );

  const portForwards = portForwarder({
    ...opts,
    checkClient: (peer) => requireClient(peer, allowed),
    vmiOrThrow,
    server: wsServer,
  });

  /** The console or VNC: checks, then QEMU's socket, then the WebSocket, then the bridge. */
  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Uint8Array, peer: Peer) => {
    const url = new URL(req.url ?? "/", "https://localhost");
    if (PORT_FORWARD_PATH.test(url.pathname)) {
      return portForwards.upgrade(req, socket, head, peer);
    }
    const match = url.pathname.match(SESSION_PATH);
    let connected;
    let server: WsServer;
    let key = "";
    const vnc = match?.[3] === "vnc";
    const sessions = vnc ? vncs : consoles;
    try {
      server = await wsServer();
      if (!match || (vnc && !opts.vncSocketOf)) throw noRoute(url.pathname);
      requireClient(peer, allowed);
      const [namespace, name] = [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)];
      key = `${namespace}/${name}`;
      const vmi = await vmiOrThrow(namespace, name);
      // KubeVirt's preserveSession: keep the viewer there is rather than take over its session.
      if (vnc && url.searchParams.get("preserveSession") === "true" && vncs.has(key)) {
        throw unavailable(`Another user is connected to the VNC of VMI ${key}`);
      }
      const path = vnc ? opts.vncSocketOf!(vmi) : opts.serialSocketOf(vmi);
      connected = await sessions.connect(path, key).catch((error) => {
        throw conflict(
          "virtualmachineinstance",
          name,
          `Cannot connect to the ${vnc ? "VNC server" : "serial console"}: ${
            (error as Error).message
          }`,
        );
      });
    } catch (error) {
      const status = error instanceof StatusError
        ? error.status
        : internal(messageOf(error)).status;
      rejectUpgrade(socket, { code: status.code, body: status });
      return;
    }
    const qemu = connected;
    const what = vnc ? "VNC" : "Console";
    server.handleUpgrade(req, socket, head, (ws) => {
      opts.log?.info(`${what} attached`, { vmi: key });
      sessions.attach(key, ws, qemu, () => opts.log?.info(`${what} detached`, { vmi: key }));
    });
  };

  return { app, upgrade, consoles, vncs, portForwards };
}
