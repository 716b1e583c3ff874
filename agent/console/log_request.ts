/**
 * The kubelet's `/containerLogs/{namespace}/{pod}/{container}` request as kube-apiserver sends it
 * for `pods/log`, read into what the agent does: which log, from where, how much, and whether to
 * follow. Query options the guest's serial log cannot honour are refused. Pure.
 */

/** A refusal, answered as a kubelet does: plain text with the HTTP code. */
export class LogRequestError extends Error {
  override name = "LogRequestError";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  /** Keep the answer open and send what the log gains. */
  follow: boolean;
  /** Only the last lines of the log so far. */
  tailLines?: number;
  /** Stop after this many bytes. */
  limitBytes?: number;
  /** `stream=Stderr`: the serial log is the container's standard output, so nothing. */
  stderrOnly: boolean;
}

const PATH = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/;

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw new LogRequestError(400, `Invalid ${name}: "${value}" is not a boolean`);
}

function count(query: URLSearchParams, name: string, min: number): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new LogRequestError(400, `Invalid ${name}: must be an integer of at least ${min}`);
  }
  return n;
}

/** The request of `url`, or a LogRequestError naming what is wrong or not supported. */
export function logRequestOf(url: URL): LogRequest {
  const match = url.pathname.match(PATH);
  if (!match) throw new LogRequestError(404, `No such path: ${url.pathname}`);
  const [namespace, pod, container] = match.slice(1).map((part) => decodeURIComponent(part!));
  const query = url.searchParams;
  const follow = flag(query, "follow");
  if (flag(query, "previous")) {
    throw new LogRequestError(
      400,
      `previous terminated container "${container}" in pod "${pod}" not found`,
    );
  }
  // The serial log is what the guest wrote, without the time of each line.
  if (flag(query, "timestamps")) {
    throw new LogRequestError(400, "timestamps is not supported by denovirt for the serial log");
  }
  for (const name of ["sinceSeconds", "sinceTime"]) {
    if (query.has(name)) {
      throw new LogRequestError(400, `${name} is not supported by denovirt for the serial log`);
    }
  }
  const stream = query.get("stream") ?? "All";
  if (!["All", "Stdout", "Stderr"].includes(stream)) {
    throw new LogRequestError(400, `Invalid stream: "${stream}" is not All, Stdout or Stderr`);
  }
  const tailLines = count(query, "tailLines", 0);
  const limitBytes = count(query, "limitBytes", 1);
  return {
    namespace: namespace!,
    pod: pod!,
    container: container!,
    follow,
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    stderrOnly: stream === "Stderr",
  };
}

/** The last `lines` lines of `log` (a last line without a newline counts as one). */
export function lastLines(log: Uint8Array, lines: number): Uint8Array {
  if (lines === 0) return log.subarray(log.length);
  const NEWLINE = 10;
  // A trailing newline ends the last line rather than starting another.
  let at = log.length > 0 && log[log.length - 1] === NEWLINE ? log.length - 1 : log.length;
  for (let seen = 0; at > 0; at--) {
    if (log[at - 1] === NEWLINE && ++seen === lines) break;
  }
  return log.subarray(at);
}
