/** Running a call against one domain: look it up on a lane of its own, call, free the handle. */

import { libvirt, toCString } from "./ffi.ts";
import { type Dom, withFree } from "./domain_handle.ts";
import type { Failure, LanePool } from "./lanes.ts";
import { isUuid } from "./names.ts";
import type { DomainRef } from "./types.ts";

/** Looks `ref` up on a lane of its own, runs `fn`, frees the handle. */
export function withDomain<T>(
  pool: LanePool,
  verb: string,
  ref: DomainRef,
  fn: (dom: Dom, fail: Failure, conn: Deno.PointerObject) => Promise<T>,
): Promise<T> {
  return pool.use(async (conn, fail) => {
    const lib = libvirt();
    const dom = isUuid(ref)
      ? await lib.virDomainLookupByUUIDString(conn, toCString(ref))
      : await lib.virDomainLookupByName(conn, toCString(ref));
    if (!dom) throw await fail(`Cannot ${verb} domain ${ref}`);
    return await withFree(dom, () => fn(dom, fail, conn));
  });
}

/** A domain operation that returns 0 or -1. */
export function actOnDomain(
  pool: LanePool,
  verb: string,
  ref: DomainRef,
  call: (dom: Dom) => Promise<number>,
): Promise<void> {
  return withDomain(pool, verb, ref, async (dom, fail) => {
    if (await call(dom) < 0) throw await fail(`Cannot ${verb} domain ${ref}`);
  });
}
