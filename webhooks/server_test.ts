import assert from "node:assert/strict";
import type { LogFields, Logger } from "../lib/log.ts";
import { ensurePki, LOOPBACK_SANS, pkiFiles } from "../stack/pki.ts";
import { assertNoStall, sequentialHttp1 } from "../lib/http/testdata/keep_alive.ts";
import { serveWebhooks } from "./server.ts";
import { goodVm } from "./testdata/good_objects.ts";
import { fakeLookups, post, reviewOf } from "./testdata/reviews.ts";

/** A serving certificate for 127.0.0.1 from a throwaway CA, made the way the stack makes its own. */
async function servingCert(dir: string) {
  await ensurePki(dir, [{ name: "serving", sans: LOOPBACK_SANS }], []);
  const files = pkiFiles(dir);
  return { ca: files.caCert, cert: files.cert("serving"), key: files.key("serving") };
}

function capture(lines: LogFields[]): Logger {
  const write = (level: string) => (msg: string, fields?: LogFields) =>
    lines.push({ level, msg, ...fields });
  const log: Logger = {
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    debug: () => {},
    with: () => log,
  };
  return log;
}

Deno.test("serveWebhooks() serves the app over TLS on loopback and logs each review", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-webhooks-test-" });
  const stop = new AbortController();
  const { ca, cert, key } = await servingCert(dir);
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(ca)] });
  try {
    const lines: LogFields[] = [];
    const server = await serveWebhooks({
      port: 0,
      certFile: cert,
      keyFile: key,
      lookups: fakeLookups(),
      signal: stop.signal,
      log: capture(lines),
    });
    const base = `https://127.0.0.1:${server.port}`;
    assert.equal(lines.find((l) => l.msg === "Webhooks listening")?.url, base);
    assert.equal(await (await fetch(`${base}/readyz`, { client })).text(), "ok");
    const response = await fetch(`${base}/virtualmachines/mutate`, {
      ...post(reviewOf(goodVm())),
      client,
    });
    const review = await response.json();
    assert.equal(review.response.allowed, true);
    const entry = lines.find((l) => l.msg === "Admission");
    assert.equal(entry?.resource, "virtualmachines");
    assert.equal(entry?.operation, "CREATE");
    assert.equal(entry?.allowed, true);
    assert.equal(typeof entry?.ms, "number");
    stop.abort();
    await server.finished;
  } finally {
    stop.abort();
    client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveWebhooks() answers /readyz 503 with the reason until its readiness checks pass", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-webhooks-test-" });
  const stop = new AbortController();
  const { ca, cert, key } = await servingCert(dir);
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(ca)] });
  let reason: string | undefined = "cannot read virtualmachineinstances.kubevirt.io";
  try {
    const server = await serveWebhooks({
      port: 0,
      certFile: cert,
      keyFile: key,
      lookups: fakeLookups(),
      readiness: [() => Promise.resolve(reason)],
      signal: stop.signal,
      log: capture([]),
    });
    const url = `https://127.0.0.1:${server.port}/readyz`;
    const refused = await fetch(url, { client });
    assert.equal(refused.status, 503);
    assert.equal(await refused.text(), `not ready: ${reason}`);
    reason = undefined;
    assert.equal(await (await fetch(url, { client })).text(), "ok");
    stop.abort();
    await server.finished;
  } finally {
    stop.abort();
    client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveWebhooks() answers HTTP/1.1 reviews on a kept-alive connection without a ~40 ms stall", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-webhooks-test-" });
  const stop = new AbortController();
  const { ca, cert, key } = await servingCert(dir);
  try {
    const server = await serveWebhooks({
      port: 0,
      certFile: cert,
      keyFile: key,
      lookups: fakeLookups(),
      signal: stop.signal,
      log: capture([]),
    });
    // kube-apiserver calls webhooks over HTTP/1.1 (all but loopback URLs) on kept-alive
    // connections; a server that waits for the client's delayed ACK answers each ~40 ms late.
    const run = await sequentialHttp1(`https://127.0.0.1:${server.port}/virtualmachines/mutate`, {
      ca: await Deno.readTextFile(ca),
      body: JSON.stringify(reviewOf(goodVm())),
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
