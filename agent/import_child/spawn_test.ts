/** runInChild() with the real child (`main.ts agent-import`): outcome, progress, errors, stop. */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import { ImportError, type ImportProgress } from "../import/types.ts";
import { CHILD_COMMAND } from "./command_line.ts";
import { runInChild } from "./spawn.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ARGV = [Deno.execPath(), "run", "--quiet", "-A", MAIN, CHILD_COMMAND];
const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {}, with: () => quiet };

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-import-child-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("runInChild() answers a blank import's result and reports its progress", async () => {
  await withDir(async (dir) => {
    const progress: ImportProgress[] = [];
    const result = await runInChild({
      job: "import",
      import: { source: { kind: "blank" }, targetDir: dir, capacityBytes: 1 << 20 },
    }, {
      argv: ARGV,
      log: quiet,
      onLine: (line) => "progress" in line && progress.push(line.progress),
    });
    assert.deepEqual(result, {
      format: "raw",
      compression: "none",
      transferredBytes: 0,
      virtualSizeBytes: 0,
    });
    assert.ok(progress.length > 0);
    assert.equal((await Deno.stat(join(dir, "disk.img"))).size, 1 << 20);
  });
});

Deno.test("runInChild() throws the child's ImportError with its reason and retryability", async () => {
  await withDir(async (dir) => {
    const source = {
      kind: "http" as const,
      url: "ftp://example.invalid/x",
      headers: {},
      caCerts: [],
    };
    const failed = runInChild(
      { job: "import", import: { source, targetDir: dir, capacityBytes: 1 << 20 } },
      { argv: ARGV, log: quiet },
    );
    await assert.rejects(failed, (error) => {
      assert.ok(error instanceof ImportError);
      assert.equal(error.retryable, false);
      return true;
    });
  });
});

Deno.test("runInChild() stops the child when the signal aborts, which removes its partial files", async () => {
  await withDir(async (dir) => {
    // A server that sends the first bytes of a large body, then nothing.
    const served = Promise.withResolvers<void>();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(1 << 16));
          served.resolve();
        },
      });
      return new Response(body, { headers: { "content-length": String(1 << 24) } });
    });
    try {
      const abort = new AbortController();
      const url = `http://127.0.0.1:${server.addr.port}/disk.img`;
      const running = runInChild({
        job: "import",
        import: {
          source: { kind: "http", url, headers: {}, caCerts: [] },
          targetDir: dir,
          capacityBytes: 1 << 24,
        },
      }, { argv: ARGV, log: quiet, signal: abort.signal });
      await served.promise;
      const reason = new Error("stopped by the test");
      abort.abort(reason);
      await assert.rejects(running, (error) => error === reason);
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    } finally {
      await server.shutdown();
    }
  });
});
