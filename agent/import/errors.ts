/** Shorthands for ImportErrors, and the mapping of whatever else was thrown. */
import { messageOf } from "../../lib/errors.ts";
import { ImportError } from "./types.ts";

/** An error that retrying cannot fix. */
export const terminal = (reason: string, message: string) =>
  new ImportError(message, false, reason);

/** An error that may go away on a retry. */
export const retryable = (reason: string, message: string) =>
  new ImportError(message, true, reason);

/** ENOSPC from Deno's file API, or "No space left on device" in a tool's stderr. */
export function isDiskFull(error: unknown): boolean {
  if ((error as { code?: unknown } | undefined)?.code === "ENOSPC") return true;
  return /No space left on device|os error 28/.test(messageOf(error));
}

/** The retryable DiskFull error of `where` (a message prefix). */
export const diskFull = (where: string) =>
  retryable("DiskFull", `${where}: no space left on the node's disk`);

/** Any error as an ImportError whose message went through `scrub`. */
export function safeImportError(error: unknown, scrub: (text: string) => string): ImportError {
  if (error instanceof ImportError) {
    return new ImportError(scrub(error.message), error.retryable, error.reason);
  }
  if (isDiskFull(error)) return diskFull("Cannot import");
  // Unknown failures are retried, as every other error of the agent is.
  return retryable("ImportFailed", scrub(`Import failed: ${messageOf(error)}`));
}
