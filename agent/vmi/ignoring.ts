/** libvirt calls whose "nothing to do" errors are no failure (the domain is gone already). */
import { DomainNotFoundError } from "../libvirt/mod.ts";

/**
 * Awaits `call`; a missing domain, or an error of one of the types in `also`, answers undefined
 * instead of throwing.
 */
export async function ignoring<T>(
  call: Promise<T>,
  ...also: Array<new (...args: never[]) => Error>
): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof DomainNotFoundError) return undefined;
    if (also.some((type) => error instanceof type)) return undefined;
    throw error;
  }
}
