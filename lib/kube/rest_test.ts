import assert from "node:assert/strict";
import { type ApiError, isConflict, isGone, isNotFound, isTooManyRequests } from "./api_error.ts";
import { RestClient } from "./rest.ts";
import { configMaps, nodes, virtualMachines } from "./resources.ts";

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | null;
  body: unknown;
}

/** A throwaway HTTP server that records requests and answers with `respond`. */
async function withServer(
  respond: (req: Request, seen: Seen) => Response | Promise<Response>,
  fn: (rest: RestClient, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const text = await req.text();
    const entry = {
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers.get("content-type"),
      body: text ? JSON.parse(text) : undefined,
    };
    seen.push(entry);
    return respond(req, entry);
  });
  const rest = new RestClient({
    server: `http://127.0.0.1:${server.addr.port}`,
    authHeaders: () => ({ authorization: "Bearer t" }),
    close() {},
  });
  try {
    await fn(rest, seen);
  } finally {
    await server.shutdown();
  }
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

Deno.test("RestClient builds paths and query strings for list, get and cluster-scoped kinds", async () => {
  await withServer(() => json({ metadata: {}, items: [] }), async (rest, seen) => {
    await rest.list(configMaps, {
      namespace: "ns",
      labelSelector: "a=b",
      limit: 5,
      continue: "tok",
    });
    await rest.list(virtualMachines);
    await rest.get(nodes, { name: "n1" });
    assert.equal(seen[0]!.path, "/api/v1/namespaces/ns/configmaps");
    assert.deepEqual(seen[0]!.query, { labelSelector: "a=b", limit: "5", continue: "tok" });
    assert.equal(seen[1]!.path, "/apis/kubevirt.io/v1/virtualmachines");
    assert.equal(seen[2]!.path, "/api/v1/nodes/n1");
  });
});

Deno.test("RestClient writes: typed create, status update, four patch types, delete options", async () => {
  await withServer((_req, s) => json(s.body ?? {}), async (rest, seen) => {
    await rest.create(configMaps, { metadata: { name: "c", namespace: "ns" } }, {
      fieldManager: "m",
    });
    await rest.updateStatus(virtualMachines, { metadata: { name: "vm", namespace: "ns" } });
    for (const type of ["merge", "json", "strategic", "apply"] as const) {
      await rest.patch(configMaps, { namespace: "ns", name: "c" }, {}, {
        type,
        fieldManager: "m",
        force: true,
      });
    }
    await rest.delete(configMaps, { namespace: "ns", name: "c" }, {
      preconditions: { uid: "u" },
      propagationPolicy: "Foreground",
    });
    assert.deepEqual(seen[0]!.body, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", namespace: "ns" },
    });
    assert.deepEqual(seen[0]!.query, { fieldManager: "m" });
    assert.equal(seen[1]!.method, "PUT");
    assert.equal(seen[1]!.path, "/apis/kubevirt.io/v1/namespaces/ns/virtualmachines/vm/status");
    assert.deepEqual(seen.slice(2, 6).map((s) => s.contentType), [
      "application/merge-patch+json",
      "application/json-patch+json",
      "application/strategic-merge-patch+json",
      "application/apply-patch+yaml",
    ]);
    assert.deepEqual(seen[2]!.query, { fieldManager: "m" }, "force only goes with apply");
    assert.deepEqual(seen[5]!.query, { fieldManager: "m", force: "true" });
    assert.deepEqual(seen[6]!.body, {
      apiVersion: "v1",
      kind: "DeleteOptions",
      preconditions: { uid: "u" },
      propagationPolicy: "Foreground",
    });
  });
});

Deno.test("RestClient turns a Status body and Retry-After into an ApiError", async () => {
  const status = (code: number, reason: string) => ({
    kind: "Status",
    code,
    reason,
    message: `${reason} happened`,
  });
  const answers = [
    json(status(404, "NotFound"), 404),
    json(status(409, "Conflict"), 409),
    json(status(410, "Expired"), 410),
    json(status(429, "TooManyRequests"), 429, { "retry-after": "7" }),
    new Response("upstream broke", { status: 502 }),
  ];
  await withServer(() => answers.shift()!, async (rest) => {
    const errors: ApiError[] = [];
    for (let i = 0; i < 5; i++) {
      await rest.get(configMaps, { namespace: "ns", name: "c" }).catch((e) => errors.push(e));
    }
    assert.deepEqual(
      errors.map((e) => [isNotFound(e), isConflict(e), isGone(e), isTooManyRequests(e)]),
      [
        [true, false, false, false],
        [false, true, false, false],
        [false, false, true, false],
        [false, false, false, true],
        [false, false, false, false],
      ],
    );
    assert.equal(errors[0]!.message, "Cannot get configmaps ns/c: 404 NotFound: NotFound happened");
    assert.equal(errors[3]!.retryAfterSeconds, 7);
    assert.equal(errors[4]!.status, 502);
    assert.match(errors[4]!.message, /upstream broke/);
  });
});

Deno.test("RestClient call() sends to any path, answers its text, and names the path in errors", async () => {
  const path = "/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachines/web/start";
  const answers = [
    new Response(null, { status: 202 }),
    json({ kind: "Status", code: 409, reason: "Conflict", message: "VM is already running" }, 409),
  ];
  await withServer(() => answers.shift()!, async (rest, seen) => {
    assert.deepEqual(await rest.call("PUT", path, { body: { dryRun: ["All"] } }), {
      status: 202,
      text: "",
    });
    assert.deepEqual(seen[0], {
      method: "PUT",
      path,
      query: {},
      contentType: "application/json",
      body: { dryRun: ["All"] },
    });
    const error = await rest.call("PUT", path).catch((e) => e);
    assert.ok(isConflict(error));
    assert.equal(error.message, `Cannot ${path}: 409 Conflict: VM is already running`);
    assert.equal(seen[1]!.contentType, null);
  });
});

Deno.test("RestClient watch() yields events as they arrive and ends quietly on abort", async () => {
  let push!: (line: string) => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (line) => controller.enqueue(new TextEncoder().encode(line));
    },
  });
  await withServer(() => new Response(body), async (rest, seen) => {
    const stop = new AbortController();
    const events = rest.watch(configMaps, {
      namespace: "ns",
      resourceVersion: "5",
      allowWatchBookmarks: true,
      timeoutSeconds: 30,
      signal: stop.signal,
    });
    push('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n');
    const first = await events.next();
    assert.equal(first.value?.type, "ADDED");
    assert.deepEqual(seen[0]!.query, {
      resourceVersion: "5",
      allowWatchBookmarks: "true",
      timeoutSeconds: "30",
      watch: "true",
    });
    const second = events.next();
    stop.abort();
    assert.equal((await second).done, true);
  });
});
