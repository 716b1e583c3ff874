import assert from "node:assert/strict";
import { join } from "node:path";
import type { LogFields, Logger } from "../lib/log.ts";
import { serveWebhooks } from "./server.ts";
import { goodVm } from "./testdata/bad_manifests.ts";
import { fakeLookups, post, reviewOf } from "./testdata/reviews.ts";

async function selfSignedCert(dir: string) {
  const cert = join(dir, "tls.crt");
  const key = join(dir, "tls.key");
  const { success } = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=denovirt-webhooks-test",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.ok(success, "openssl could not make a test certificate");
  return { cert, key };
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
  const { cert, key } = await selfSignedCert(dir);
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(cert)] });
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
    const { hostname, port } = server.addr as Deno.NetAddr;
    assert.equal(hostname, "127.0.0.1");
    const base = `https://127.0.0.1:${port}`;
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
