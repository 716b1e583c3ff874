/** What the guest agent reports through libvirt (virDomainGetGuestInfo). */

import { libvirt } from "./ffi.ts";
import { withDomain } from "./domain_lookup.ts";
import type { LanePool } from "./lanes.ts";
import { readTypedParams } from "./typed_params.ts";
import type { DomainRef } from "./types.ts";

/** Seconds libvirt waits for a guest agent's answer before it fails the call. */
const GUEST_AGENT_TIMEOUT_S = 2;

/** The guest agent's answers by libvirt's field names; `types` is virDomainGuestInfoTypes. */
export function guestInfoOf(
  pool: LanePool,
  domain: DomainRef,
  types: number,
): Promise<Record<string, number | string | boolean>> {
  return withDomain(pool, "read the guest agent of", domain, async (dom, fail) => {
    const params = new BigUint64Array(1);
    const count = new Int32Array(1);
    const lib = libvirt();
    // A guest agent that stopped answering (a guest rebooting, just migrated, hung) would hold
    // this call, and the VMI's pass with it, forever: libvirt blocks on the agent by default.
    await lib.virDomainAgentSetResponseTimeout(dom, GUEST_AGENT_TIMEOUT_S, 0);
    if (await lib.virDomainGetGuestInfo(dom, types, params, count, 0) < 0) {
      throw await fail(`Cannot read the guest agent of domain ${domain}`);
    }
    const pointer = Deno.UnsafePointer.create(params[0]!);
    try {
      return pointer ? readTypedParams(pointer, count[0]!) : {};
    } finally {
      if (pointer) lib.virTypedParamsFree(pointer, count[0]!);
    }
  });
}
