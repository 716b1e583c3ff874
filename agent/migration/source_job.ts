/**
 * The source node's migration job: reports the start, renders the destination, has libvirt
 * migrate the guest peer to peer to the target's libvirtd, honours aborts (the user's, or a
 * timeout's that the VMI controller's progress checks found), reports the outcome, and removes
 * what the guest left here.
 */
import { LIBVIRT_MIGRATION_PORT, type MigrationPolicy, type VMI } from "../../api/mod.ts";
import { messageOf } from "../../lib/errors.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import type { Logger } from "../../lib/log.ts";
import { domainNameFor, type NodeFacts } from "../domain/mod.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import { liveDomainFacts } from "../libvirt/xml_read.ts";
import { vmiDataDir } from "../volumes/vmi_dir.ts";
import { destinationXmlFor, disksToCopy } from "./destination.ts";
import { writeMigrationState } from "./state_writes.ts";

export interface SourceJobContext {
  rest: RestClient;
  hypervisor: Hypervisor;
  node: NodeFacts;
  dataDir: string;
  policy: () => Promise<MigrationPolicy>;
  /** Removes the VMI's files and image leases on this node once the guest left. */
  removeFiles: (uid: string) => Promise<void>;
  log: Logger;
}

/**
 * Runs the migration of `vmi` (whose record names this node as source) to its end; `abortRequested`
 * aborts it, with a timeout's failure reason as the signal's reason or none for the user's cancel.
 */
export async function runSourceMigration(
  vmi: VMI,
  abortRequested: AbortSignal,
  ctx: SourceJobContext,
): Promise<void> {
  const state = vmi.status!.migrationState!;
  const name = domainNameFor(vmi);
  const log = ctx.log.with({ vmi: `${vmi.metadata.namespace}/${vmi.metadata.name}` });
  let current = vmi;
  const write = async (fields: Parameters<typeof writeMigrationState>[2]) => {
    current = await writeMigrationState(ctx.rest, current, fields);
  };
  let aborting = false;
  let timedOut: string | undefined;
  try {
    const policy = await ctx.policy();
    const live = liveDomainFacts(await ctx.hypervisor.xml(name));
    const destinationXml = destinationXmlFor(vmi, ctx.node, live);
    const copyDisks = disksToCopy(live, vmiDataDir(ctx.dataDir, vmi.metadata.uid));
    await write({ startTimestamp: new Date().toISOString(), mode: "PreCopy" });
    const address = state.targetNodeAddress!;
    const host = address.includes(":") ? `[${address}]` : address;
    log.info("Migration started", { target: state.targetNode, address, copyDisks });
    const migrating = ctx.hypervisor.migrate(name, {
      destinationUri: `qemu+tcp://${host}:${LIBVIRT_MIGRATION_PORT}/system`,
      migrationUri: `tcp://${host}`,
      destinationXml,
      bandwidthMiB: policy.bandwidthMiB,
      copyDisks,
    });
    const abort = async (why: "requested" | string) => {
      if (aborting) return;
      aborting = true;
      if (why === "requested") await write({ abortStatus: "Aborting" });
      else timedOut = why;
      await ctx.hypervisor.abortJob(name).catch((error) =>
        log.warn("Cannot abort the migration job", { error: messageOf(error) })
      );
    };
    const why = () =>
      typeof abortRequested.reason === "string" ? abortRequested.reason : "requested";
    abortRequested.addEventListener("abort", () => void abort(why()), { once: true });
    if (abortRequested.aborted) void abort(why());
    await migrating;
    // libvirt finished the job: the guest runs on the target (even if an abort came too late).
    const fields: Parameters<typeof writeMigrationState>[2] = {
      completed: true,
      endTimestamp: new Date().toISOString(),
    };
    if (aborting && !timedOut) fields.abortStatus = "Failed";
    await write(fields);
    log.info("Migration completed", { target: state.targetNode });
    await ctx.removeFiles(vmi.metadata.uid!);
  } catch (error) {
    const reason = timedOut ?? messageOf(error);
    log.warn("Migration failed", { reason });
    const fields: Parameters<typeof writeMigrationState>[2] = {
      failed: true,
      failureReason: reason,
      endTimestamp: new Date().toISOString(),
    };
    if (aborting && !timedOut) fields.abortStatus = "Succeeded";
    await write(fields).catch((e) =>
      log.warn("Cannot record the migration's failure", { error: messageOf(e) })
    );
  }
}
