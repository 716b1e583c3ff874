/**
 * The source node's migration steps as the VMI controller applies them: start the job beside the
 * controller, and on each requeue read its progress against the policy's timeouts.
 */
import type { MigrationPolicy, VMI } from "../../api/mod.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import type { Logger } from "../../lib/log.ts";
import { domainNameFor, memoryKiBOf, type NodeFacts } from "../domain/mod.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import type { MigrationJobs } from "./jobs.ts";
import { runSourceMigration } from "./source_job.ts";
import { timeoutOf } from "./timeouts.ts";

/** What migration steps need besides the rest of the apply context. */
export interface MigrationRuntime {
  jobs: MigrationJobs;
  policy: () => Promise<MigrationPolicy>;
  /** Looks at the key again (a job's end). */
  enqueue: (key: string) => void;
}

/** The parts of the VMI controller's apply context the source steps use. */
export interface SourceStepContext {
  rest: RestClient;
  hypervisor: Hypervisor;
  node: NodeFacts;
  dataDir: string;
  log: Logger;
  migrations?: MigrationRuntime;
}

/** Reads the running job's progress and aborts it with KubeVirt's message once a timeout passed. */
export async function checkMigrationProgress(
  key: string,
  vmi: VMI,
  ctx: SourceStepContext,
): Promise<void> {
  const migrations = ctx.migrations;
  const job = migrations?.jobs.progressOf(key);
  if (!migrations || !job) return;
  const stats = await ctx.hypervisor.jobStats(domainNameFor(vmi)).catch(() => undefined);
  if (!stats) return;
  const memoryBytes = memoryKiBOf(vmi.spec) * 1024;
  const policy = await migrations.policy();
  const verdict = timeoutOf(
    policy,
    memoryBytes,
    job.startedAt,
    Date.now(),
    job.progress,
    stats.fields,
  );
  migrations.jobs.recordProgress(key, verdict.progress);
  if (verdict.abort) migrations.jobs.abort(key, verdict.abort);
}

/**
 * Starts the source job of the VMI's migration, beside the controller; `removeFiles` removes the
 * VMI's files on this node once the guest left.
 */
export function startMigration(
  key: string,
  vmi: VMI,
  ctx: SourceStepContext,
  removeFiles: (vmiUid: string) => Promise<void>,
): void {
  const migrations = ctx.migrations;
  if (!migrations) throw new Error("Cannot migrate: this agent runs no migrations");
  const uid = vmi.status!.migrationState!.migrationUid!;
  migrations.jobs.start(
    key,
    uid,
    (abort) =>
      runSourceMigration(vmi, abort, {
        rest: ctx.rest,
        hypervisor: ctx.hypervisor,
        node: ctx.node,
        dataDir: ctx.dataDir,
        policy: migrations.policy,
        removeFiles,
        log: ctx.log,
      }),
    () => migrations.enqueue(key),
  );
}
