import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import { peerOf, rejectUpgrade, serveHttps } from "./https_server.ts";
import { assertNoStall, sequentialHttp1 } from "./testdata/keep_alive.ts";
import { servingCertificate } from "./testdata/self_signed.ts";

Deno.test("peerOf() reports the certificate's CN only with the TLS verdict beside it", () => {
  const verified = {
    authorized: true,
    getPeerCertificate: () => ({ subject: { CN: "front-proxy-client" } }),
  };
  assert.deepEqual(peerOf(verified), { authorized: true, commonName: "front-proxy-client" });
  const stranger = {
    authorized: false,
    authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    getPeerCertificate: () => ({ subject: { CN: ["evil", "other"] } }),
  };
  assert.deepEqual(peerOf(stranger), {
    authorized: false,
    commonName: "evil",
    authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  });
  const none = { authorized: false, getPeerCertificate: () => ({}) };
  assert.deepEqual(peerOf(none), { authorized: false });
});

Deno.test("rejectUpgrade() answers an HTTP error with the body's length and closes", () => {
  let written = "";
  const socket = new Duplex({
    read() {},
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  });
  rejectUpgrade(socket, { code: 403, body: { kind: "Status", message: "nö" } });
  const [head, body] = written.split("\r\n\r\n");
  assert.match(head!, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(head!, /\r\ncontent-length: 33\r\n/);
  assert.match(head!, /\r\nconnection: close$/);
  assert.deepEqual(JSON.parse(body!), { kind: "Status", message: "nö" });
});

Deno.test("serveHttps() answers HTTP/1.1 on a kept-alive connection without a ~40 ms stall", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-https-test-" });
  const stop = new AbortController();
  try {
    const { ca, cert, key } = await servingCertificate(dir);
    const server = await serveHttps({
      hostname: "127.0.0.1",
      port: 0,
      cert,
      key,
      clientCa: ca,
      fetch: async (request) => Response.json({ echoed: (await request.text()).length }),
      signal: stop.signal,
    });
    // The subresource API and the agent's node API serve this way; a server that waits for the
    // client's delayed ACK before its last segment answers each request ~40 ms late.
    const run = await sequentialHttp1(`https://127.0.0.1:${server.port}/x`, {
      ca,
      body: JSON.stringify({ pad: "x".repeat(1500) }),
      count: 21,
    });
    assertNoStall(run);
    stop.abort();
    await server.finished;
  } finally {
    stop.abort();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveHttps() aborts the request's signal when the client leaves a streaming answer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-https-test-" });
  const stop = new AbortController();
  try {
    const { ca, cert, key } = await servingCertificate(dir);
    const aborted = Promise.withResolvers<void>();
    const server = await serveHttps({
      hostname: "127.0.0.1",
      port: 0,
      cert,
      key,
      fetch: (request) => {
        request.signal.addEventListener("abort", () => aborted.resolve());
        // One chunk, then nothing until the client goes: a watch with no events.
        const body = new ReadableStream<Uint8Array>({
          start: (controller) => controller.enqueue(new TextEncoder().encode("first\n")),
        });
        return new Response(body);
      },
      signal: stop.signal,
    });
    const client = Deno.createHttpClient({ caCerts: [ca] });
    const leave = new AbortController();
    const response = await fetch(`https://127.0.0.1:${server.port}/watch`, {
      client,
      signal: leave.signal,
    });
    const reader = response.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "first\n");
    leave.abort();
    await reader.cancel().catch(() => {});
    client.close();
    const timeout = setTimeout(() => aborted.reject(new Error("the signal never aborted")), 5_000);
    await aborted.promise.finally(() => clearTimeout(timeout));
    stop.abort();
    await server.finished;
  } finally {
    stop.abort();
    await Deno.remove(dir, { recursive: true });
  }
});
