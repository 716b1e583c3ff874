import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { runImport } from "./engine.ts";
import {
  assertImported,
  assertNothingLeft,
  bodyOf,
  gzipOf,
  importFails,
  MiB,
  patternedImage,
  qcow2Of,
  withServer,
  withTempDir,
  xzOf,
} from "./test_fixtures.ts";
import type { ImportProgress, ImportRequest, ImportSource } from "./types.ts";

const CAPACITY = 8 * MiB;

function httpRequest(
  targetDir: string,
  url: string,
  more: Partial<Extract<ImportSource, { kind: "http" }>> = {},
  request: Partial<ImportRequest> = {},
): ImportRequest {
  return {
    source: { kind: "http", url, headers: {}, caCerts: [], ...more },
    targetDir,
    capacityBytes: CAPACITY,
    signal: new AbortController().signal,
    ...request,
  };
}

const digest = (algorithm: string, bytes: Uint8Array) =>
  createHash(algorithm).update(bytes).digest("hex");

Deno.test("runImport() turns raw, gzip, xz and qcow2 bodies into a sparse raw disk.img of the capacity", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const qcow2 = await qcow2Of(raw, dir);
    const bodies = {
      "/disk.raw": { bytes: raw, format: "raw", compression: "none" },
      "/disk.raw.gz": { bytes: await gzipOf(raw), format: "raw", compression: "gzip" },
      "/disk.raw.xz": { bytes: await xzOf(raw, dir), format: "raw", compression: "xz" },
      "/disk.qcow2": { bytes: qcow2, format: "qcow2", compression: "none" },
      "/disk.qcow2.gz": { bytes: await gzipOf(qcow2), format: "qcow2", compression: "gzip" },
      "/disk.qcow2.xz": { bytes: await xzOf(qcow2, dir), format: "qcow2", compression: "xz" },
    } as const;
    await withServer((req) => {
      const body = bodies[new URL(req.url).pathname as keyof typeof bodies];
      return body ? bodyOf(body.bytes) : new Response(null, { status: 404 });
    }, async (server) => {
      for (const [path, body] of Object.entries(bodies)) {
        const target = join(dir, path.slice(1));
        const result = await runImport(httpRequest(target, server.url(path)));
        assert.deepEqual(result, {
          format: body.format,
          compression: body.compression,
          transferredBytes: body.bytes.length,
          virtualSizeBytes: raw.length,
        }, path);
        await assertImported(target, raw, CAPACITY);
      }
    });
  }));

Deno.test("runImport() accepts matching sha256 and md5 checksums of the body as served, in any case", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const packed = await gzipOf(raw);
    await withServer(() => bodyOf(packed), async (server) => {
      for (
        const checksum of [
          `sha256:${digest("sha256", packed)}`,
          `MD5:${digest("md5", packed).toUpperCase()}`,
        ]
      ) {
        const target = join(dir, checksum.slice(0, 3));
        await runImport(httpRequest(target, server.url("/disk.raw.gz"), { checksum }));
        await assertImported(target, raw, CAPACITY);
      }
    });
  }));

Deno.test("runImport() fails ChecksumMismatch on a wrong checksum and leaves neither disk.img nor .import", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const qcow2 = await qcow2Of(raw, dir);
    await withServer(
      (req) => bodyOf(new URL(req.url).pathname === "/q" ? qcow2 : raw),
      async (server) => {
        for (const path of ["/r", "/q"]) {
          await Deno.writeTextFile(join(dir, "disk.img"), "an earlier, finished import");
          const wrong = `sha256:${digest("sha256", raw.subarray(1))}`;
          const error = await importFails(
            runImport(httpRequest(dir, server.url(path), { checksum: wrong })),
            "ChecksumMismatch",
            false,
          );
          assert.match(
            error.message,
            new RegExp(`sha256.*${digest("sha256", path === "/q" ? qcow2 : raw)}`),
          );
          await assertNothingLeft(dir);
        }
      },
    );
  }));

Deno.test("runImport() refuses a malformed checksum before touching anything", () =>
  withTempDir(async (dir) => {
    for (const checksum of ["sha256:abc", "crc32:00000000", "deadbeef"]) {
      await importFails(
        runImport(httpRequest(dir, "http://127.0.0.1:9/x", { checksum })),
        "InvalidChecksum",
        false,
      );
    }
  }));

Deno.test("runImport() sorts statuses: 404 and 403 terminal, 503 and 429 retryable", () =>
  withTempDir(async (dir) => {
    await withServer((req) => {
      const status = Number(new URL(req.url).pathname.slice(1));
      return new Response("no", { status });
    }, async (server) => {
      const cases: [number, string, boolean][] = [
        [404, "NotFound", false],
        [410, "NotFound", false],
        [403, "Forbidden", false],
        [400, "HTTPError", false],
        [503, "HTTPError", true],
        [429, "HTTPError", true],
        [408, "HTTPError", true],
      ];
      for (const [status, reason, retryable] of cases) {
        const error = await importFails(
          runImport(httpRequest(dir, server.url(`/${status}`))),
          reason,
          retryable,
        );
        // The URL as given: it holds no secret to hide.
        assert.equal(
          error.message,
          `Cannot import ${server.url(`/${status}`)}: the server answered HTTP ${status}`,
        );
        await assertNothingLeft(dir);
      }
    });
  }));

Deno.test("runImport() sends the headers but never shows them, the userinfo or the query string", () =>
  withTempDir(async (dir) => {
    const authorization = `Basic ${btoa("importer:pa55-w0rd-secret")}`;
    const seen: (string | null)[] = [];
    await withServer((req) => {
      seen.push(req.headers.get("authorization"));
      return new Response("who are you?", { status: 401 });
    }, async (server) => {
      const url = server.url("/images/disk.qcow2?X-Amz-Signature=query-secret-123&token=tok-456");
      const error = await importFails(
        runImport(httpRequest(dir, url, { headers: { Authorization: authorization } })),
        "Unauthorized",
        false,
      );
      assert.deepEqual(seen, [authorization]);
      assert.equal(
        error.message,
        `Cannot import ${server.url("/images/disk.qcow2")}: the server answered HTTP 401`,
      );
      const withUserinfo = url.replace("http://", "http://importer:pa55-w0rd-secret@");
      const refused = await importFails(
        runImport(httpRequest(dir, withUserinfo)),
        "InvalidURL",
        false,
      );
      assert.deepEqual(seen, [authorization], "a URL with userinfo must not be fetched");
      for (const message of [error.message, refused.message, String(error), String(refused)]) {
        for (const secret of ["pa55-w0rd", "query-secret", "tok-456", "X-Amz", btoa("importer")]) {
          assert.ok(!message.includes(secret), `${JSON.stringify(message)} shows ${secret}`);
        }
      }
    });
  }));

Deno.test("runImport() refuses URLs that are not http(s) and headers that are not valid", () =>
  withTempDir(async (dir) => {
    for (const url of ["file:///etc/passwd", "ftp://example.com/disk.img", "not a url"]) {
      await importFails(runImport(httpRequest(dir, url)), "InvalidURL", false);
    }
    const headers = { authorization: "Bearer line\nbreak-secret" };
    const error = await importFails(
      runImport(httpRequest(dir, "http://127.0.0.1:9/disk.img", { headers })),
      "InvalidHeaders",
      false,
    );
    assert.ok(!error.message.includes("break-secret"), error.message);
  }));

Deno.test("runImport() keeps headers on same-origin redirects and drops them across origins", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const seen: Record<string, string | null> = {};
    await withServer((req) => {
      seen.other = req.headers.get("authorization");
      return bodyOf(raw);
    }, (other) =>
      withServer((req) => {
        const path = new URL(req.url).pathname;
        seen[path] = req.headers.get("authorization");
        if (path === "/start") return Response.redirect(`${new URL(req.url).origin}/moved`, 302);
        return Response.redirect(other.url("/disk.raw?signed=1"), 307);
      }, async (server) => {
        const headers = { authorization: "Bearer only-for-this-origin" };
        await runImport(httpRequest(dir, server.url("/start"), { headers }));
        await assertImported(dir, raw, CAPACITY);
        assert.deepEqual(seen, {
          "/start": headers.authorization,
          "/moved": headers.authorization,
          other: null,
        });
      }));
  }));

Deno.test("runImport() reports progress with Content-Length, ending with the total", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const calls: ImportProgress[] = [];
    await withServer(() => bodyOf(raw), async (server) => {
      await runImport(
        httpRequest(dir, server.url("/disk.raw"), {}, { onProgress: (p) => calls.push(p) }),
      );
    });
    assert.ok(calls.length >= 1 && calls.length <= 3, `${calls.length} calls`);
    assert.deepEqual(calls.at(-1), { bytes: raw.length, totalBytes: raw.length });
  }));

/** Resolves once `condition` holds (checked every 10 ms, for at most 5 s). */
async function until(condition: () => Promise<boolean>) {
  const deadline = performance.now() + 5000;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error("The condition never held");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A body that sends `first`, announced as `total` bytes, then nothing until `release`. */
function stallingBody(total: number, first: Uint8Array, release: Promise<void>): Response {
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        return controller.enqueue(first);
      }
      await release;
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-length": String(total) } });
}

Deno.test("runImport() fails retryably when the server sends nothing for idleTimeoutMs", () =>
  withTempDir(async (dir) => {
    const { promise: release, resolve } = Promise.withResolvers<void>();
    try {
      const first = new Uint8Array(256 * 1024).fill(1);
      await withServer(() => stallingBody(4 * MiB, first, release), async (server) => {
        // Released before the server shuts down (which waits for the stalled body), also when
        // an assertion fails: a failure must show, not hang.
        try {
          const error = await importFails(
            runImport(httpRequest(dir, server.url("/slow"), {}, { idleTimeoutMs: 300 })),
            "Timeout",
            true,
          );
          assert.match(error.message, /sent nothing for 0.3 s/);
          await assertNothingLeft(dir);
        } finally {
          resolve();
        }
      });
    } finally {
      resolve();
    }
  }));

Deno.test("runImport() stops at once on abort while the server stalls, xz running or not, and leaves nothing", () =>
  withTempDir(async (dir) => {
    const packed = await xzOf(patternedImage(), dir);
    const firsts = {
      raw: new Uint8Array(256 * 1024).fill(1),
      xz: packed.subarray(0, packed.length - 64),
    };
    const { promise: release, resolve } = Promise.withResolvers<void>();
    const abortEach = async (server: { url(path: string): string }) => {
      for (const name of Object.keys(firsts)) {
        const { promise: started, resolve: receiving } = Promise.withResolvers<void>();
        const abort = new AbortController();
        const importing = runImport(
          httpRequest(dir, server.url(`/${name}`), {}, {
            signal: abort.signal,
            onProgress: () => receiving(),
          }),
        );
        await started;
        if (name === "xz") {
          // Abort once xz's output reaches the disk, so that xz is surely running.
          const partial = join(dir, ".import", "disk.img.part");
          await until(async () =>
            ((await Deno.stat(partial).catch(() => undefined))?.size ?? 0) > 0
          );
        }
        const before = performance.now();
        abort.abort();
        await assert.rejects(importing, (error: Error) => error.name === "AbortError");
        assert.ok(performance.now() - before < 1000, `${name}: the abort took too long`);
        await assertNothingLeft(dir);
      }
    };
    try {
      await withServer((req) => {
        const first = firsts[new URL(req.url).pathname.slice(1) as keyof typeof firsts];
        return stallingBody(first.length + MiB, first, release);
      }, async (server) => {
        try {
          await abortEach(server);
        } finally {
          resolve();
        }
      });
    } finally {
      resolve();
    }
  }));

Deno.test("runImport() fails retryably on a body cut short and when the connection is refused", () =>
  withTempDir(async (dir) => {
    // A server that promises 4 MiB, sends 1 MiB and hangs up.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const serving = (async () => {
      const conn = await listener.accept();
      await conn.read(new Uint8Array(64 * 1024));
      const head = `HTTP/1.1 200 OK\r\ncontent-length: ${4 * MiB}\r\n\r\n`;
      await conn.write(new TextEncoder().encode(head));
      const part = new Uint8Array(MiB).fill(3);
      for (let at = 0; at < part.length;) at += await conn.write(part.subarray(at));
      conn.close();
    })();
    try {
      const url = `http://127.0.0.1:${listener.addr.port}/cut`;
      await importFails(runImport(httpRequest(dir, url)), "ConnectionError", true);
      await assertNothingLeft(dir);
    } finally {
      listener.close();
      await serving;
    }
    const error = await importFails(
      runImport(httpRequest(dir, `http://127.0.0.1:${listener.addr.port}/disk.raw?sig=hidden`)),
      "ConnectionError",
      true,
    );
    assert.match(error.message, /connection was refused/);
    assert.ok(!error.message.includes("hidden"), error.message);
  }));

Deno.test("runImport() takes a gzip body of several concatenated members", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const half = raw.length / 2;
    const members = [await gzipOf(raw.subarray(0, half)), await gzipOf(raw.subarray(half))];
    const body = new Uint8Array(members[0]!.length + members[1]!.length);
    body.set(members[0]!);
    body.set(members[1]!, members[0]!.length);
    await withServer(() => bodyOf(body), async (server) => {
      await runImport(httpRequest(dir, server.url("/disk.raw.gz")));
      await assertImported(dir, raw, CAPACITY);
    });
  }));
