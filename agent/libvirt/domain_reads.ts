/** Reading domains' state: one domain's state and info, and every domain with its state. */

import { VIR_ERR } from "./errors.ts";
import { freeC, libvirt } from "./ffi.ts";
import { type Dom, identityOf, infoOf, statusOf } from "./domain_handle.ts";
import { withDomain } from "./domain_lookup.ts";
import type { LanePool } from "./lanes.ts";
import type { DomainInfo, DomainRef, DomainStatus, DomainSummary } from "./types.ts";

/** The domain's state and the reason for it. */
export function stateOf(pool: LanePool, domain: DomainRef): Promise<DomainStatus> {
  return withDomain(pool, "read the state of", domain, async (dom, fail) => {
    const status = await statusOf(dom);
    if (!status) throw await fail(`Cannot read the state of domain ${domain}`);
    return status;
  });
}

/** The domain's virDomainInfo. */
export function domainInfo(pool: LanePool, domain: DomainRef): Promise<DomainInfo> {
  return withDomain(pool, "read info of", domain, async (dom, fail) => {
    const info = await infoOf(dom);
    if (!info) throw await fail(`Cannot read info of domain ${domain}`);
    return info;
  });
}

/** Every domain, active or defined. */
export function listDomains(pool: LanePool): Promise<DomainSummary[]> {
  return pool.use(async (conn, fail) => {
    const lib = libvirt();
    const out = new BigUint64Array(1); // virDomainPtr **
    const count = await lib.virConnectListAllDomains(conn, out, 0);
    if (count < 0) throw await fail("Cannot list domains");
    const array = Deno.UnsafePointer.create(out[0]!);
    const view = array && new Deno.UnsafePointerView(array);
    const doms: Dom[] = [];
    for (let i = 0; view && i < count; i++) {
      const dom = view.getPointer(i * 8);
      if (dom) doms.push(dom);
    }
    freeC(array);
    try {
      const summaries: DomainSummary[] = [];
      for (const dom of doms) {
        const status = await statusOf(dom);
        if (status) summaries.push({ ...identityOf(dom), ...status });
        else {
          const error = await fail("Cannot read the state of a listed domain");
          if (error.code !== VIR_ERR.NO_DOMAIN) throw error; // else it vanished meanwhile
        }
      }
      return summaries;
    } finally {
      for (const dom of doms) lib.virDomainFree(dom);
    }
  });
}
