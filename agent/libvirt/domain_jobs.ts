/** A domain's jobs: live-migrating it, aborting the job in flight, reading a job's statistics. */

import { libvirt, toCString } from "./ffi.ts";
import { actOnDomain, withDomain } from "./domain_lookup.ts";
import type { LanePool } from "./lanes.ts";
import { migrateCall } from "./migrate_call.ts";
import { readTypedParams, typedParams } from "./typed_params.ts";
import type { DomainRef, JobStats, MigrateOptions } from "./types.ts";

const VIR_DOMAIN_JOB_STATS_COMPLETED = 1;

/** Live-migrates the domain peer to peer; resolves when the guest runs on the target. */
export function migrateDomain(
  pool: LanePool,
  domain: DomainRef,
  options: MigrateOptions,
): Promise<void> {
  const { params, flags } = migrateCall(options);
  const built = typedParams(params);
  return actOnDomain(pool, "migrate", domain, async (dom) => {
    const result = await libvirt().virDomainMigrateToURI3(
      dom,
      toCString(options.destinationUri),
      built.buffer,
      built.count,
      flags,
    );
    void built.strings; // alive until the call returned
    return result;
  });
}

/** Aborts the domain's job (a migration) in flight. */
export function abortDomainJob(pool: LanePool, domain: DomainRef): Promise<void> {
  return actOnDomain(pool, "abort the job of", domain, (dom) => libvirt().virDomainAbortJob(dom));
}

/** The domain's job in flight, or with `completed` the one that just ended. */
export function domainJobStats(
  pool: LanePool,
  domain: DomainRef,
  options: { completed?: boolean },
): Promise<JobStats> {
  const flags = options.completed ? VIR_DOMAIN_JOB_STATS_COMPLETED : 0;
  return withDomain(pool, "read the job of", domain, async (dom, fail) => {
    const type = new Int32Array(1);
    const params = new BigUint64Array(1);
    const count = new Int32Array(1);
    const lib = libvirt();
    if (await lib.virDomainGetJobStats(dom, type, params, count, flags) < 0) {
      throw await fail(`Cannot read the job of domain ${domain}`);
    }
    const pointer = Deno.UnsafePointer.create(params[0]!);
    try {
      return { type: type[0]!, fields: pointer ? readTypedParams(pointer, count[0]!) : {} };
    } finally {
      if (pointer) lib.virTypedParamsFree(pointer, count[0]!);
    }
  });
}
