/**
 * Runs one job in a child of the agent (child.ts) and waits for its outcome: progress lines go
 * to `onLine` as they come, its logs into the agent's log, and aborting `signal` stops it
 * (SIGTERM, so that it removes its partial files; SIGKILL if it has not exited 10 s later).
 */
import type { LogFields, Logger } from "../../lib/log.ts";
import { type ChildLine, type ChildRequest, errorOfLine, linesOf } from "./protocol.ts";

/** How long a stopped child may take to clean up before it is killed. */
const STOP_GRACE_MS = 10_000;

export interface ChildOptions {
  /** `[executable, ...args]` of the child (childCommand()). */
  argv: string[];
  log: Logger;
  signal?: AbortSignal;
  onLine?: (line: ChildLine) => void;
}

/** The child's result line; throws its error line, the signal's reason, or why it died. */
export async function runInChild(request: ChildRequest, opts: ChildOptions): Promise<unknown> {
  const { signal, log } = opts;
  signal?.throwIfAborted();
  const [executable, ...args] = opts.argv;
  const child = new Deno.Command(executable!, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const childLog = log.with({ child: child.pid });
  const stdin = child.stdin.getWriter();
  let killer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    kill(child, "SIGTERM");
    killer = setTimeout(() => kill(child, "SIGKILL"), STOP_GRACE_MS);
  };
  signal?.addEventListener("abort", stop, { once: true });
  let outcome: { result: unknown } | { error: Error } | undefined;
  try {
    // The pipe stays open while the job runs: its end tells the child the agent is gone.
    stdin.write(new TextEncoder().encode(JSON.stringify(request) + "\n")).catch(() => {});
    const forwarded = forwardLogs(child.stderr, childLog);
    for await (const text of linesOf(child.stdout)) {
      const line = parsed(text);
      if (!line) {
        childLog.warn("Import process wrote something else than its protocol", { line: text });
      } else if ("result" in line) outcome = { result: line.result };
      else if ("error" in line) outcome = { error: errorOfLine(line.error) };
      else opts.onLine?.(line);
    }
    const status = await child.status;
    await forwarded;
    if (signal?.aborted) throw signal.reason;
    if (outcome && "result" in outcome) return outcome.result;
    if (outcome) throw outcome.error;
    throw new Error(`The import process exited without an outcome: ${describe(status)}`);
  } finally {
    signal?.removeEventListener("abort", stop);
    clearTimeout(killer);
    await stdin.close().catch(() => {});
    kill(child, "SIGKILL");
  }
}

function kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Exited already.
  }
}

function parsed(text: string): ChildLine | undefined {
  try {
    const line = JSON.parse(text);
    return typeof line === "object" && line !== null ? line as ChildLine : undefined;
  } catch {
    return undefined;
  }
}

function describe(status: Deno.CommandStatus): string {
  return status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
}

/** The child's stderr into the agent's log: its JSON log lines as the agent's own, anything else as a warning. */
async function forwardLogs(stderr: ReadableStream<Uint8Array>, log: Logger): Promise<void> {
  for await (const text of linesOf(stderr)) {
    if (!text.trim()) continue;
    let line: LogFields | undefined;
    try {
      line = JSON.parse(text);
    } catch {
      // Not a log line: an uncaught error, a runtime's message.
    }
    if (typeof line?.msg !== "string") {
      log.warn("Import process", { stderr: text });
      continue;
    }
    const { ts: _ts, level, msg, component: _component, ...fields } = line;
    const write = level === "error"
      ? log.error
      : level === "warn"
      ? log.warn
      : level === "debug"
      ? log.debug
      : log.info;
    write(msg as string, fields);
  }
}
