/**
 * virConnectGetAllDomainStats through FFI: every running domain's counters in one call to
 * libvirtd, however many domains there are (the agent's /metrics asks once per scrape).
 */
import { libvirt } from "./ffi.ts";
import type { Failure } from "./lanes.ts";
import { readTypedParams } from "./typed_params.ts";
import type { DomainStatsRecord } from "./types.ts";

/** virDomainStatsTypes: state, cpu-total, balloon, vcpu, interface, block. */
export const DOMAIN_STATS_GROUPS = 1 | 2 | 4 | 8 | 16 | 32;
/** Active domains only, and skip what would wait on a domain's job (a migration) in progress. */
const VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE = 1;
const VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT = 1 << 29;
/** LP64 virDomainStatsRecord: the domain, the parameters, their count. */
const RECORD_PARAMS_OFFSET = 8;
const RECORD_COUNT_OFFSET = 16;

/** Reads every running domain's statistics on `conn`; the records are freed before returning. */
export async function readAllDomainStats(
  conn: Deno.PointerObject,
  fail: Failure,
): Promise<DomainStatsRecord[]> {
  const lib = libvirt();
  const out = new BigUint64Array(1); // virDomainStatsRecordPtr **
  const count = await lib.virConnectGetAllDomainStats(
    conn,
    DOMAIN_STATS_GROUPS,
    out,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE | VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT,
  );
  if (count < 0) throw await fail("Cannot read the domains' statistics");
  const list = Deno.UnsafePointer.create(out[0]!);
  if (!list) return [];
  try {
    const records: DomainStatsRecord[] = [];
    const array = new Deno.UnsafePointerView(list);
    for (let i = 0; i < count; i++) {
      const record = array.getPointer(i * 8);
      if (!record) break;
      const view = new Deno.UnsafePointerView(record);
      const dom = view.getPointer(0);
      const params = view.getPointer(RECORD_PARAMS_OFFSET);
      const nparams = view.getInt32(RECORD_COUNT_OFFSET);
      if (!dom) continue;
      // Owned by the domain handle, which the list frees.
      const name = Deno.UnsafePointerView.getCString(lib.virDomainGetName(dom)!);
      records.push({ name, fields: params ? readTypedParams(params, nparams) : {} });
    }
    return records;
  } finally {
    lib.virDomainStatsRecordListFree(list);
  }
}
