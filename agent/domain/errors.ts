/** The error a VMI spec the renderer cannot honour raises. */
import { TerminalError } from "../../lib/errors.ts";

/** A spec denovirt cannot run as asked; retrying will not help, so it is terminal. */
export class DomainSpecError extends TerminalError {
  override name = "DomainSpecError";
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
  }
}

/** Throws a DomainSpecError for a field that is set but not supported. */
export function unsupported(path: string, what: string): never {
  throw new DomainSpecError(path, `${what} is not supported by denovirt yet`);
}
