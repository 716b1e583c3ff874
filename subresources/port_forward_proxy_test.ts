/**
 * The port-forward proxy with real WebSockets on loopback: callers through a plain HTTP server
 * (the front proxy's TLS peer is given), and a stand-in node agent that echoes binary messages.
 */
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { Attributes } from "./access.ts";
import type { Peer } from "../lib/http/https_server.ts";
import { StatusError } from "../lib/http/status.ts";
import { CONSOLE_PROTOCOL, WebSocket, WebSocketServer, type WsSocket } from "../lib/http/ws.ts";
import type { VmiLike, VmLike } from "./lifecycle.ts";
import { type PortForwardLogEntry, portForwardProxy } from "./port_forward_proxy.ts";
import type { KeepAlive } from "./ws_relay.ts";

const PROXY: Peer = { authorized: true, commonName: "front-proxy-client" };

const vmi = (status: VmiLike["status"] = {}): VmiLike => ({
  metadata: { name: "web", namespace: "ns", ownerReferences: [{ uid: "vm-uid" }] },
  status: { phase: "Running", nodeName: "n1", interfaces: [{ name: "default" }], ...status },
});

interface World {
  vm?: VmLike;
  vmi?: VmiLike;
  allow?: boolean;
  /** What the agent answers instead of accepting. */
  agentRefuses?: StatusError;
  keepAlive?: KeepAlive;
}

interface Harness {
  url(path: string): string;
  reviews: Attributes[];
  /** `port/protocol` of each connection the agent was asked for. */
  agentCalls: string[];
  /** The agent's side of each accepted tunnel. */
  agentSockets: WsSocket[];
  log: PortForwardLogEntry[];
  close(): Promise<void>;
}

async function harness(world: World): Promise<Harness> {
  const reviews: Attributes[] = [];
  const agentCalls: string[] = [];
  const agentSockets: WsSocket[] = [];
  const log: PortForwardLogEntry[] = [];
  const agentServer = new WebSocketServer({ noServer: true });
  const agentHttp: Server = createServer();
  agentHttp.on(
    "upgrade",
    (req, socket, head) =>
      agentServer.handleUpgrade(req, socket, head, (ws) => {
        agentSockets.push(ws);
        ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
      }),
  );
  await new Promise<void>((resolve) => agentHttp.listen(0, "127.0.0.1", resolve));
  const agentPort = (agentHttp.address() as { port: number }).port;

  const upgrade = portForwardProxy({
    getVm: () => Promise.resolve(world.vm),
    getVmi: () => Promise.resolve(world.vmi),
    authorize: (_caller, attrs) => {
      reviews.push(attrs);
      return Promise.resolve({ allowed: world.allow !== false });
    },
    openPortForward: (_vmi, port, protocol) => {
      agentCalls.push(`${port}/${protocol}`);
      if (world.agentRefuses) return Promise.reject(world.agentRefuses);
      const ws = new WebSocket(`ws://127.0.0.1:${agentPort}/`, [CONSOLE_PROTOCOL]);
      return new Promise((resolve, reject) => {
        ws.once("open", () => resolve(ws));
        ws.once("error", reject);
      });
    },
    ...(world.keepAlive ? { keepAlive: world.keepAlive } : {}),
    onTunnel: (entry) => log.push(entry),
  });
  const server: Server = createServer((_req, res) => res.end());
  server.on("upgrade", (req, socket, head) => upgrade(req, socket, head, PROXY));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (path) => `ws://127.0.0.1:${port}/apis/subresources.kubevirt.io/v1/namespaces/ns/${path}`,
    reviews,
    agentCalls,
    agentSockets,
    log,
    close: async () => {
      for (const s of [server, agentHttp]) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    },
  };
}

const HEADERS = { "x-remote-user": "alice", "x-remote-group": "devs" };

function connect(url: string): Promise<{ ws?: WsSocket; code?: number; message?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [CONSOLE_PROTOCOL], { headers: HEADERS });
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (c: Uint8Array) => text += new TextDecoder().decode(c));
      res.on("end", () => resolve({ code: res.statusCode, message: JSON.parse(text).message }));
    });
    ws.once("error", reject);
  });
}

const closed = (ws: WsSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: new TextDecoder().decode(reason) }))
  );

/** Send `text` and answer the first message back (the stand-in agent echoes). */
function echoOf(ws: WsSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    let first = true;
    ws.on("message", (data) => {
      if (first) resolve(new TextDecoder().decode(data));
      first = false;
    });
    ws.send(new TextEncoder().encode(text), { binary: true });
  });
}

Deno.test("portForwardProxy() authorizes get virtualmachineinstances/portforward and relays to the agent", async () => {
  const h = await harness({ vmi: vmi() });
  try {
    const { ws, message } = await connect(h.url("virtualmachineinstances/web/portforward/22/tcp"));
    assert.ok(ws, message);
    assert.equal(ws.protocol, CONSOLE_PROTOCOL);
    assert.equal(await echoOf(ws, "SSH-2.0-test"), "SSH-2.0-test");
    assert.deepEqual(h.reviews, [{
      verb: "get",
      version: "v1",
      namespace: "ns",
      resource: "virtualmachineinstances",
      subresource: "portforward",
      name: "web",
    }]);
    assert.deepEqual(h.agentCalls, ["22/tcp"]);
    const end = closed(h.agentSockets[0]!);
    ws.close(1000, "");
    assert.equal((await end).code, 1000, "the caller's close reaches the agent");
    assert.deepEqual(h.log.map((e) => e.event), ["opened", "closed"]);
  } finally {
    await h.close();
  }
});

Deno.test("portForwardProxy() relays 4 MiB each way through the agent, in order", async () => {
  const h = await harness({ vmi: vmi() });
  try {
    const { ws } = await connect(h.url("virtualmachineinstances/web/portforward/22/tcp"));
    const chunk = crypto.getRandomValues(new Uint8Array(64 * 1024));
    let received = 0;
    let last: Uint8Array | undefined;
    const all = new Promise<void>((resolve) =>
      ws!.on("message", (data) => {
        received += data.length;
        last = new Uint8Array(data);
        if (received === 64 * chunk.length) resolve();
      })
    );
    for (let i = 0; i < 64; i++) ws!.send(chunk, { binary: true });
    await all;
    assert.deepEqual(last, chunk);
    ws!.close(1000, "");
  } finally {
    await h.close();
  }
});

Deno.test("portForwardProxy() forwards a VM's port to its VMI, tcp when no protocol is given", async () => {
  const vm: VmLike = {
    metadata: { name: "web", namespace: "ns", uid: "vm-uid" },
    status: { created: true },
  };
  const h = await harness({ vm, vmi: vmi() });
  try {
    const { ws, message } = await connect(h.url("virtualmachines/web/portforward/8080"));
    assert.ok(ws, message);
    assert.equal(h.reviews[0]!.resource, "virtualmachines");
    assert.deepEqual(h.agentCalls, ["8080/tcp"]);
    ws.close(1000, "");
  } finally {
    await h.close();
  }
});

Deno.test("portForwardProxy() refuses with Status answers before accepting, never reaching the agent", async () => {
  const uncreated: VmLike = {
    metadata: { name: "web", uid: "vm-uid" },
    status: { created: false },
  };
  const table: [string, World, string, number, RegExp][] = [
    [
      "no RBAC",
      { vmi: vmi(), allow: false },
      "virtualmachineinstances/web/portforward/22/tcp",
      403,
      /User "alice" cannot get resource "virtualmachineinstances\/portforward" in API group "subresources\.kubevirt\.io" in the namespace "ns"/,
    ],
    [
      "no RBAC on the VM",
      { vmi: vmi(), allow: false },
      "virtualmachines/web/portforward/22",
      403,
      /cannot get resource "virtualmachines\/portforward"/,
    ],
    [
      "port out of range",
      { vmi: vmi() },
      "virtualmachineinstances/web/portforward/65536/tcp",
      400,
      /^Invalid port: "65536" is not a number from 1 to 65535$/,
    ],
    [
      "unknown protocol",
      { vmi: vmi() },
      "virtualmachineinstances/web/portforward/22/sctp",
      400,
      /^Invalid protocol: "sctp" is not tcp or udp$/,
    ],
    [
      "missing VMI",
      {},
      "virtualmachineinstances/web/portforward/22/tcp",
      404,
      /^virtualmachineinstance\.kubevirt\.io "web" not found$/,
    ],
    [
      "paused",
      { vmi: vmi({ conditions: [{ type: "Paused", status: "True" }] }) },
      "virtualmachineinstances/web/portforward/22/tcp",
      409,
      /"web": VMI is paused$/,
    ],
    [
      "no interfaces",
      { vmi: vmi({ phase: "Scheduled", interfaces: [] }) },
      "virtualmachineinstances/web/portforward/22/tcp",
      400,
      /^no network interfaces are present$/,
    ],
    [
      "not running",
      { vmi: vmi({ phase: "Failed" }) },
      "virtualmachineinstances/web/portforward/22/tcp",
      409,
      /"web": VMI is not running$/,
    ],
    [
      "missing VM",
      { vmi: vmi() },
      "virtualmachines/web/portforward/22/tcp",
      404,
      /^virtualmachine\.kubevirt\.io "web" not found$/,
    ],
    [
      "VM without a VMI",
      { vm: uncreated },
      "virtualmachines/web/portforward/22/tcp",
      409,
      /^Operation cannot be fulfilled on virtualmachine\.kubevirt\.io "web": VMI is not started$/,
    ],
  ];
  for (const [what, world, path, code, message] of table) {
    const h = await harness(world);
    try {
      const refused = await connect(h.url(path));
      assert.equal(refused.ws, undefined, what);
      assert.equal(refused.code, code, what);
      assert.match(refused.message!, message, what);
      assert.deepEqual(h.agentCalls, [], what);
      assert.equal(h.log[0]?.event, "refused", what);
      assert.equal(h.log[0]?.code, code, what);
    } finally {
      await h.close();
    }
  }
});

Deno.test("portForwardProxy() passes the agent's refusal on as it came: 500 dialing VM", async () => {
  const dialing = new StatusError({
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    reason: "InternalError",
    code: 500,
    message:
      "Internal error occurred: dialing VM: dial tcp 10.244.0.5:80: connect: connection refused",
  });
  const h = await harness({ vmi: vmi(), agentRefuses: dialing });
  try {
    const refused = await connect(h.url("virtualmachineinstances/web/portforward/80/tcp"));
    assert.equal(refused.code, 500);
    assert.equal(refused.message, dialing.status.message);
  } finally {
    await h.close();
  }
});

Deno.test("portForwardProxy() refuses an upgrade that is not a WebSocket without asking the agent", async () => {
  const h = await harness({ vmi: vmi() });
  try {
    const url = new URL(h.url("virtualmachineinstances/web/portforward/22/tcp"));
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { ...HEADERS, connection: "Upgrade", upgrade: "h2c" },
      }, (res) => (res.resume(), resolve(res.statusCode!)));
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 400);
    assert.deepEqual(h.agentCalls, []);
  } finally {
    await h.close();
  }
});

Deno.test("portForwardProxy() passes the agent's close code and reason to the caller", async () => {
  const h = await harness({ vmi: vmi() });
  try {
    const { ws } = await connect(h.url("virtualmachineinstances/web/portforward/22/tcp"));
    await echoOf(ws!, "x");
    const end = closed(ws!);
    h.agentSockets[0]!.close(
      1011,
      "Connection to the VM failed: read tcp 10.244.0.5:22: connection reset by peer",
    );
    assert.deepEqual(await end, {
      code: 1011,
      reason: "Connection to the VM failed: read tcp 10.244.0.5:22: connection reset by peer",
    });
  } finally {
    await h.close();
  }
});

Deno.test("portForwardProxy() ends a tunnel whose caller stops answering pings", async () => {
  const h = await harness({ vmi: vmi(), keepAlive: { intervalMs: 20, deadMs: 150 } });
  try {
    const { ws } = await connect(h.url("virtualmachineinstances/web/portforward/22/tcp"));
    await echoOf(ws!, "x");
    const agentEnd = closed(h.agentSockets[0]!);
    // A paused client reads nothing, so it answers no ping.
    ws!.pause();
    const end = await agentEnd;
    assert.equal(end.code, 1001);
    assert.match(end.reason, /stopped answering pings/);
    ws!.terminate();
  } finally {
    await h.close();
  }
});
