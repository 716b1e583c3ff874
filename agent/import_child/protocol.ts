/**
 * What the agent and a child say to each other: the request as one JSON line on the child's
 * stdin (which stays open: its end tells the child the agent is gone), then JSON lines on its
 * stdout: progress, then one result or one error. Logs go to stderr, as the agent's own do.
 */
import { messageOf } from "../../lib/errors.ts";
import type { Fetched, FetchRequest } from "../images/pull_fetch.ts";
import { ImportError, type ImportProgress, type ImportResult } from "../import/types.ts";

/** An import's request without what cannot cross a pipe (its signal and callback). */
export interface ImportJob {
  source: import("../import/types.ts").ImportSource;
  targetDir: string;
  capacityBytes: number;
  idleTimeoutMs?: number;
}

/** One job for a child. */
export type ChildRequest = { job: "import"; import: ImportJob } | {
  job: "pull";
  pull: FetchRequest;
};

/** An error as it crosses the pipe: an ImportError keeps its reason and retryability. */
export interface ErrorLine {
  message: string;
  importError?: { retryable: boolean; reason: string };
}

/** One line of a child's stdout. */
export type ChildLine =
  | { progress: ImportProgress }
  | { pulling: string }
  | { result: ImportResult | Fetched }
  | { error: ErrorLine };

/** The line that tells the agent of `error`. */
export function errorLineOf(error: unknown): ErrorLine {
  return error instanceof ImportError
    ? { message: error.message, importError: { retryable: error.retryable, reason: error.reason } }
    : { message: messageOf(error) };
}

/** The error a line tells of, as the agent's code expects it. */
export function errorOfLine(line: ErrorLine): Error {
  const known = line.importError;
  return known
    ? new ImportError(line.message, known.retryable, known.reason)
    : new Error(line.message);
}

/** The lines of a byte stream, without their line ends; a last unterminated line too. */
export async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, end);
      pending = pending.slice(end + 1);
    }
  }
  if (pending) yield pending;
}
