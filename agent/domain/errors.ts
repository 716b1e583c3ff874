/** The error a VMI spec the renderer cannot honour raises. */
import { fieldPath, type Refusal } from "../../api/mod.ts";
import { TerminalError } from "../../lib/errors.ts";

/** A spec denovirt cannot run as asked; retrying will not help, so it is terminal. */
export class DomainSpecError extends TerminalError {
  override name = "DomainSpecError";
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
  }
}

/** Throws a DomainSpecError for the first of a VMI spec's refusals, if it has any. */
export function refuseFirst(refusals: readonly Refusal[]): void {
  const [first] = refusals;
  if (first) throw new DomainSpecError(fieldPath(["spec", ...first.path]), first.message);
}
