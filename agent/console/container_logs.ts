/**
 * The kubelet's log endpoint on a kubelet-less node, for the launcher pods the agent hosts:
 * `GET /containerLogs/{namespace}/{pod}/{container}`, which kube-apiserver calls for `kubectl
 * logs` (`pods/log`) at the Node's `daemonEndpoints.kubeletEndpoint` with its kubelet client
 * certificate. `guest-console-log` answers the guest's serial log file; the holder container
 * (`compute`) writes nothing, so its log is empty. Answers are plain text, as a kubelet's.
 */
import { GUEST_CONSOLE_LOG_CONTAINER, KUBELET_CLIENT_IDENTITY, type Pod } from "../../api/mod.ts";
import { isFinished } from "../../api/phases.ts";
import type { Peer } from "../../lib/http/https_server.ts";
import { lastLines, LogRequestError, logRequestOf } from "./log_request.ts";

/** The path prefix of the kubelet's container log endpoint. */
export const CONTAINER_LOGS_PREFIX = "/containerLogs/";

export interface ContainerLogsOptions {
  /** The launcher pod if it is bound to this node (from the agent's cache). */
  podOf(namespace: string, name: string): Pod | undefined;
  /** The serial log file of the pod's VMI on this node. */
  serialLogOf(pod: Pod): string;
  /** CNs allowed to call; default kube-apiserver's kubelet client. */
  allowedClients?: string[];
  /** How often a followed log is checked for more; default 250 ms. */
  pollMs?: number;
}

const text = (code: number, message: string) =>
  new Response(`${message}\n`, { status: code, headers: { "content-type": "text/plain" } });

/** The handler of `/containerLogs/...` requests from `peer`. */
export function containerLogs(opts: ContainerLogsOptions) {
  const allowed = opts.allowedClients ?? [KUBELET_CLIENT_IDENTITY];
  const pollMs = opts.pollMs ?? 250;
  return async (request: Request, peer: Peer | undefined): Promise<Response> => {
    if (!peer?.authorized) return text(401, "Unauthorized");
    if (!allowed.includes(peer.commonName ?? "")) {
      return text(
        403,
        `Forbidden (user=${peer.commonName}, verb=get, resource=nodes, subresource=proxy)`,
      );
    }
    if (request.method !== "GET") return text(405, `Method ${request.method} not allowed`);
    let wanted;
    try {
      wanted = logRequestOf(new URL(request.url));
    } catch (error) {
      if (error instanceof LogRequestError) return text(error.code, error.message);
      throw error;
    }
    const pod = opts.podOf(wanted.namespace, wanted.pod);
    if (!pod) return text(404, `pod "${wanted.pod}" does not exist`);
    const known = [...(pod.spec?.containers ?? []), ...initContainersOf(pod)]
      .some((c) => c.name === wanted.container);
    if (!known) {
      return text(404, `container "${wanted.container}" not found in pod "${wanted.pod}"`);
    }
    const headers = { "content-type": "text/plain" };
    if (wanted.container !== GUEST_CONSOLE_LOG_CONTAINER || wanted.stderrOnly) {
      return new Response(null, { status: 200, headers });
    }
    const path = opts.serialLogOf(pod);
    const log = await Deno.readFile(path).catch(() => new Uint8Array());
    const first = wanted.tailLines !== undefined ? lastLines(log, wanted.tailLines) : log;
    const stillRunning = () => {
      const now = opts.podOf(wanted.namespace, wanted.pod);
      return !!now && !isFinished(now.status?.phase);
    };
    const body = logStream({
      path,
      first,
      offset: log.length,
      follow: wanted.follow,
      limitBytes: wanted.limitBytes,
      pollMs,
      signal: request.signal,
      stillRunning,
    });
    return new Response(body, { status: 200, headers });
  };
}

function initContainersOf(pod: Pod): Array<{ name: string }> {
  const init = pod.spec?.initContainers;
  return Array.isArray(init) ? init as Array<{ name: string }> : [];
}

interface StreamOptions {
  path: string;
  /** What is sent first (the log so far, or its tail). */
  first: Uint8Array;
  /** Where in the file a followed log goes on. */
  offset: number;
  follow: boolean;
  limitBytes: number | undefined;
  pollMs: number;
  signal: AbortSignal;
  /** Whether more may still come (the pod has not ended). */
  stillRunning: () => boolean;
}

/** The log, then (when followed) what the file gains, until the client or the pod goes away. */
function logStream(opts: StreamOptions): ReadableStream<Uint8Array> {
  let left = opts.limitBytes ?? Infinity;
  let offset = opts.offset;
  let sentFirst = false;
  const clip = (chunk: Uint8Array) => {
    const out = chunk.length > left ? chunk.subarray(0, left) : chunk;
    left -= out.length;
    return out;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentFirst) {
        sentFirst = true;
        const first = clip(opts.first);
        if (first.length > 0) controller.enqueue(first);
        if (!opts.follow || left <= 0) controller.close();
        return;
      }
      for (;;) {
        if (opts.signal.aborted || left <= 0) return controller.close();
        const more = await readFrom(opts.path, offset);
        if (more === undefined) return controller.close();
        // virtlogd rotated the file: the new one starts empty.
        if (more.size < offset) offset = 0;
        if (more.bytes.length > 0) {
          offset += more.bytes.length;
          controller.enqueue(clip(more.bytes));
          return;
        }
        if (!opts.stillRunning()) return controller.close();
        await sleep(opts.pollMs, opts.signal);
      }
    },
  });
}

/** The file's bytes from `offset` on and its size; undefined once the file is gone. */
async function readFrom(
  path: string,
  offset: number,
): Promise<{ size: number; bytes: Uint8Array } | undefined> {
  let file;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return undefined;
  }
  try {
    const size = (await file.stat()).size;
    const from = size < offset ? 0 : offset;
    const bytes = new Uint8Array(Math.min(size - from, 1024 * 1024));
    await file.seek(from, Deno.SeekMode.Start);
    let read = 0;
    while (read < bytes.length) {
      const n = await file.read(bytes.subarray(read));
      if (n === null) break;
      read += n;
    }
    return { size, bytes: bytes.subarray(0, read) };
  } finally {
    file.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
