/**
 * `denovirt agent-import` (hidden): one disk import or one image pull in a process of its own,
 * started by the agent under the agent's own permissions, so that whatever memory the job took
 * goes back to the system when it exits. The request is the first line of stdin; the end of
 * stdin (the agent is gone) or SIGTERM (the agent stopped the job) aborts the job, which removes
 * its partial files as it does in the agent.
 */
import { logger } from "../../lib/log.ts";
import { type ChildLine, type ChildRequest, errorLineOf, linesOf } from "./protocol.ts";

/** Runs the job on stdin; answers the exit code (1 when it failed: the error is on stdout). */
export async function importChildCommand(_args: string[]): Promise<number> {
  const abort = new AbortController();
  const stop = (why: string) =>
    abort.abort(new DOMException(`The import was stopped: ${why}`, "AbortError"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
  const lines = linesOf(Deno.stdin.readable);
  const first = await lines.next();
  if (first.done) return 2;
  // Reading on: the end of stdin means the agent is gone, and nobody waits for the job.
  (async () => {
    for await (const _ of lines) { /* nothing else is sent */ }
    stop("the agent closed the pipe");
  })();
  const write = (line: ChildLine) => console.log(JSON.stringify(line));
  try {
    write({ result: await runJob(JSON.parse(first.value) as ChildRequest, abort.signal, write) });
    return 0;
  } catch (error) {
    write({ error: errorLineOf(error) });
    return 1;
  }
}

/** The job's code is loaded only here: the agent's own process never holds it. */
async function runJob(request: ChildRequest, signal: AbortSignal, write: (l: ChildLine) => void) {
  if (request.job === "import") {
    const { runImport } = await import("../import/engine.ts");
    return await runImport({
      ...request.import,
      signal,
      onProgress: (progress) => write({ progress }),
    });
  }
  const { fetchImage } = await import("../images/pull_fetch.ts");
  const log = logger({ component: "agent", part: "images" });
  return await fetchImage(request.pull, (digest) => write({ pulling: digest }), log);
}
