/**
 * Test helper: POSTs one after another on one kept-alive HTTP/1.1 connection (node:https, as
 * kube-apiserver's webhook client and curl --http1.1 talk), timing each from send to the whole
 * answer. A server that stalls on Nagle + delayed ACK answers each ~40 ms late.
 */
import assert from "node:assert/strict";
import { Agent, request } from "node:https";

export interface SequentialRun {
  ms: number[];
  statuses: number[];
  /** Distinct TCP connections the requests used (1 when keep-alive held). */
  connections: number;
}

/** Sends `count` POSTs of `body` to `url` in turn on one connection, trusting `ca`. */
export async function sequentialHttp1(
  url: string,
  opts: { ca: string; body: string; count: number },
): Promise<SequentialRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: opts.ca });
  const sockets = new Set<unknown>();
  const run: SequentialRun = { ms: [], statuses: [], connections: 0 };
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(url, {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(opts.body),
        },
      }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      });
      req.on("socket", (socket) => sockets.add(socket));
      req.on("error", reject);
      req.end(opts.body);
    });
  try {
    for (let i = 0; i < opts.count; i++) {
      const started = performance.now();
      run.statuses.push(await one());
      run.ms.push(performance.now() - started);
    }
  } finally {
    agent.destroy();
  }
  run.connections = sockets.size;
  return run;
}

/** The median of `xs`. */
export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Asserts that every request of `run` was answered 200 on one connection, and that the requests
 * after the first (which also pays the TLS handshake) took a median under 20 ms: the ~40 ms
 * Nagle + delayed-ACK stall cannot.
 */
export function assertNoStall(run: SequentialRun): void {
  assert.deepEqual(new Set(run.statuses), new Set([200]));
  assert.equal(run.connections, 1);
  const kept = run.ms.slice(1);
  const ms = median(kept);
  assert.ok(
    ms < 20,
    `median ${ms.toFixed(1)} ms over ${kept.length} requests: ${kept.map(Math.round)}`,
  );
}
