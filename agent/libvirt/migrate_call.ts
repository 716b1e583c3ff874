/** The typed parameters and flags of `virDomainMigrateToURI3` for a peer-to-peer live migration. */
import type { TypedParam } from "./typed_params.ts";
import type { MigrateOptions } from "./types.ts";

// LIVE | PEER2PEER | PERSIST_DEST | UNDEFINE_SOURCE (libvirt-domain.h's virDomainMigrateFlags).
const MIGRATE_FLAGS = 1 | 2 | 8 | 16;
/** Copies the disks listed in `migrate_disks` onto the target's images on the same backing. */
const VIR_MIGRATE_NON_SHARED_INC = 128;

/** The parameters and flags for `options`; disks are copied only when some are listed. */
export function migrateCall(options: MigrateOptions): { params: TypedParam[]; flags: number } {
  const params: TypedParam[] = [
    { name: "migrate_uri", type: "string", value: options.migrationUri },
    { name: "destination_xml", type: "string", value: options.destinationXml },
  ];
  if (options.bandwidthMiB) {
    params.push({ name: "bandwidth", type: "ullong", value: options.bandwidthMiB });
  }
  const disks = options.copyDisks ?? [];
  for (const disk of disks) params.push({ name: "migrate_disks", type: "string", value: disk });
  return { params, flags: MIGRATE_FLAGS | (disks.length > 0 ? VIR_MIGRATE_NON_SHARED_INC : 0) };
}
