/** Errors shared by every role. */

/** An error that retrying cannot fix: recorded in status, never retried. */
export class TerminalError extends Error {
  override name = "TerminalError";
}

/** The message of anything thrown, for logs and status. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
