/**
 * A local HTTP server of disk images for import tests: files by path, a 404 for anything else,
 * and "held" paths whose first response stops after some bytes until the test releases it.
 */

export interface ImageServer {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** Requests seen per path. */
  requests(path: string): number;
  /** Resolves once a held path's first response has sent its first part. */
  held(path: string): Promise<void>;
  /** Lets a held response finish (it may have been cut by the client already). */
  release(path: string): void;
  close(): Promise<void>;
}

export interface ServedFile {
  file: string;
  /** Send this many bytes on the first request, then wait for `release`. */
  holdAfterBytes?: number;
  /** Answer 401 unless the request carries this basic-auth user and password. */
  basicAuth?: { user: string; password: string };
}

const CHUNK = 256 * 1024;

export function serveImages(files: Record<string, ServedFile>): ImageServer {
  const counts = new Map<string, number>();
  const gates = new Map<
    string,
    { sent: PromiseWithResolvers<void>; go: PromiseWithResolvers<void> }
  >();
  for (const [path, served] of Object.entries(files)) {
    if (served.holdAfterBytes !== undefined) {
      gates.set(path, { sent: Promise.withResolvers(), go: Promise.withResolvers() });
    }
  }
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const served = files[path];
    const seen = (counts.get(path) ?? 0) + 1;
    counts.set(path, seen);
    if (!served) return new Response("no such image\n", { status: 404 });
    if (served.basicAuth) {
      const { user, password } = served.basicAuth;
      if (req.headers.get("authorization") !== `Basic ${btoa(`${user}:${password}`)}`) {
        return new Response("who are you?\n", {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="images"' },
        });
      }
    }
    const data = await Deno.readFile(served.file);
    const gate = seen === 1 ? gates.get(path) : undefined;
    const hold = gate ? served.holdAfterBytes! : data.length;
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (offset >= data.length) return controller.close();
        if (offset >= hold && gate) {
          gate.sent.resolve();
          await gate.go.promise;
        }
        const end = Math.min(offset + CHUNK, offset < hold ? hold : data.length, data.length);
        controller.enqueue(data.subarray(offset, end));
        offset = end;
      },
    });
    return new Response(body, {
      headers: {
        "content-length": String(data.length),
        "content-type": "application/octet-stream",
      },
    });
  });
  const addr = server.addr as Deno.NetAddr;
  return {
    base: `http://127.0.0.1:${addr.port}`,
    requests: (path) => counts.get(path) ?? 0,
    held: (path) =>
      gates.get(path)?.sent.promise ?? Promise.reject(new Error(`${path} is not held`)),
    release: (path) => gates.get(path)?.go.resolve(),
    async close() {
      for (const gate of gates.values()) gate.go.resolve();
      await server.shutdown();
    },
  };
}
