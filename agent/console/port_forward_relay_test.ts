/**
 * The node API's port-forward end to end on loopback: a real WebSocket client, the node API's
 * upgrade handler on a plain HTTP server (the TLS peer is given), and TCP and UDP echo servers on
 * 127.0.0.1 standing in for the VM.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import type { Peer } from "../../lib/http/https_server.ts";
import { CONSOLE_PROTOCOL, WebSocket, type WsSocket } from "../../lib/http/ws.ts";
import { nodeApi, type NodeApiOptions, type VmiLike, WEBHOOKS_IDENTITY } from "./node_api.ts";

const WEBHOOKS: Peer = { authorized: true, commonName: WEBHOOKS_IDENTITY };

interface Harness {
  url(name: string, port: number | string, protocol?: string): string;
  api: ReturnType<typeof nodeApi>;
  close(): Promise<void>;
}

/** The node API on a loopback HTTP server; `peer` is who every caller appears to be. */
async function harness(options: Partial<NodeApiOptions> = {}, peer = WEBHOOKS): Promise<Harness> {
  const vmis: Record<string, VmiLike> = {
    web: { metadata: { name: "web", namespace: "ns" } },
    bare: { metadata: { name: "bare", namespace: "ns" }, status: { interfaces: [{}] } },
  };
  const api = nodeApi({
    vmiOf: (ns, name) => (ns === "ns" ? vmis[name] : undefined),
    serialSocketOf: () => "/nonexistent",
    domains: { pause: async () => {}, unpause: async () => {}, softReboot: async () => {} },
    targetAddressOf: (vmi) => (vmi.metadata.name === "web" ? "127.0.0.1" : undefined),
    ...options,
  });
  const server: Server = createHttpServer((_req, res) => res.end());
  server.on("upgrade", (req, socket, head) => api.upgrade(req, socket, head, peer));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    api,
    url: (name, target, protocol) =>
      `ws://127.0.0.1:${port}/v1/namespaces/ns/virtualmachineinstances/${name}/portforward/${target}${
        protocol ? `/${protocol}` : ""
      }`,
    close: () => {
      api.portForwards.closeAll();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP echo server on loopback; `ended` counts connections whose far side closed. */
async function tcpEcho() {
  const sockets = new Set<Socket>();
  let ended = 0;
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("data", (chunk: Uint8Array) => socket.write(chunk));
    socket.on("end", () => (ended++, socket.end()));
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    sockets,
    ended: () => ended,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on loopback that nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Open a WebSocket, or the refusal's status code and Status message. */
function connect(url: string): Promise<{ ws?: WsSocket; code?: number; message?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [CONSOLE_PROTOCOL]);
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

/** Collect binary messages until `bytes` arrived. */
function receive(ws: WsSocket, bytes: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    ws.on("message", (data, isBinary) => {
      assert.ok(isBinary, "the relay sends binary messages");
      chunks.push(new Uint8Array(data));
      size += data.length;
      if (size >= bytes) {
        const out = new Uint8Array(size);
        let at = 0;
        for (const c of chunks) (out.set(c, at), at += c.length);
        resolve(out);
      }
    });
  });
}

Deno.test("the node API relays a WebSocket to the VM's TCP port and back, 4 MiB each way", async () => {
  const echo = await tcpEcho();
  const h = await harness();
  try {
    const { ws, message } = await connect(h.url("web", echo.port, "tcp"));
    assert.ok(ws, message);
    assert.equal(ws.protocol, CONSOLE_PROTOCOL);
    const payload = crypto.getRandomValues(new Uint8Array(64 * 1024));
    const total = 64 * payload.length;
    const back = receive(ws, total);
    for (let i = 0; i < 64; i++) ws.send(payload, { binary: true });
    const echoed = await back;
    assert.equal(echoed.length, total);
    assert.deepEqual(echoed.subarray(total - payload.length), payload);
    assert.equal(h.api.portForwards.size, 1);
    const end = closed(ws);
    ws.close(1000, "");
    assert.equal((await end).code, 1000);
    // The caller's close reaches the VM as the end of its connection.
    for (let i = 0; i < 100 && echo.ended() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(echo.ended(), 1);
    assert.equal(h.api.portForwards.size, 0);
    assert.deepEqual(h.api.portForwards.counts, { opened: 1, refused: 0, failed: 0 });
  } finally {
    await h.close();
    await echo.close();
  }
});

Deno.test("the node API closes the WebSocket with 1000 when the VM closes the connection", async () => {
  const echo = await tcpEcho();
  const h = await harness({ targetAddressOf: () => "127.0.0.1" });
  try {
    const { ws } = await connect(h.url("web", echo.port));
    const got = receive(ws!, 2);
    ws!.send(new TextEncoder().encode("hi"), { binary: true });
    await got;
    const end = closed(ws!);
    for (const socket of echo.sockets) socket.end();
    assert.equal((await end).code, 1000);
  } finally {
    await h.close();
    await echo.close();
  }
});

Deno.test("the node API refuses before accepting: 500 dialing VM for a closed port, 400 and 404", async () => {
  const port = await closedPort();
  const h = await harness();
  try {
    const table: [string, number | string, string | undefined, number, RegExp][] = [
      [
        "web",
        port,
        "tcp",
        500,
        new RegExp(
          `^Internal error occurred: dialing VM: dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused$`,
        ),
      ],
      ["bare", 22, "tcp", 400, /^VMI ns\/bare has no IP address on the pod network$/],
      ["web", 70000, "tcp", 400, /^Invalid port: "70000" is not a number from 1 to 65535$/],
      ["web", 22, "sctp", 400, /^Invalid protocol: "sctp" is not tcp or udp$/],
      ["nope", 22, "tcp", 404, /virtualmachineinstance\.kubevirt\.io "nope" not found/],
    ];
    for (const [name, target, protocol, code, message] of table) {
      const refused = await connect(h.url(name, target, protocol));
      assert.equal(refused.ws, undefined, `${name} ${target}/${protocol}`);
      assert.equal(refused.code, code, `${name} ${target}/${protocol}`);
      assert.match(refused.message!, message);
    }
    assert.equal(h.api.portForwards.counts.refused, table.length);
  } finally {
    await h.close();
  }
});

Deno.test("the node API refuses port-forward to a caller without the webhooks' certificate", async () => {
  const echo = await tcpEcho();
  const h = await harness({}, { authorized: true, commonName: "denovirt-admin" });
  try {
    const refused = await connect(h.url("web", echo.port));
    assert.equal(refused.code, 401);
    assert.match(refused.message!, /"denovirt-admin" may not call the node API/);
    assert.equal(echo.sockets.size, 0, "no connection to the VM for a stranger");
  } finally {
    await h.close();
    await echo.close();
  }
});

Deno.test("the node API relays UDP datagrams one per binary message each way", async () => {
  const echo = createSocket("udp4");
  echo.on("message", (msg, from) => echo.send(msg, from.port, from.address));
  await new Promise<void>((resolve) => echo.bind(0, "127.0.0.1", () => resolve()));
  const h = await harness();
  try {
    const { ws, message } = await connect(h.url("web", echo.address().port, "udp"));
    assert.ok(ws, message);
    const answers: string[] = [];
    const done = new Promise<void>((resolve) =>
      ws.on("message", (data) => {
        answers.push(new TextDecoder().decode(data));
        if (answers.length === 3) resolve();
      })
    );
    for (const text of ["one", "two", "three"]) {
      ws.send(new TextEncoder().encode(text), { binary: true });
    }
    await done;
    assert.deepEqual(answers.sort(), ["one", "three", "two"]);
    const end = closed(ws);
    ws.close(1000, "");
    await end;
  } finally {
    await h.close();
    echo.close();
  }
});
