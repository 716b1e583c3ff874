/** apply(): carries out a plan's steps with libvirt and the API server; the only side effects. */
import { join } from "node:path";
import { AGENT_FINALIZER, type VMI } from "../../api/mod.ts";
import { messageOf, TerminalError } from "../../lib/errors.ts";
import type { EventRecorder } from "../../lib/events.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { splitKey } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import type { Logger } from "../../lib/log.ts";
import { type NodeFacts, vmiRunPathsFor } from "../domain/mod.ts";
import { type Hypervisor, InvalidDomainXmlError, OperationInvalidError } from "../libvirt/mod.ts";
import { finalStatus, syncFailedStatus } from "../status/vmi_status.ts";
import { removeVmiDir, removeVmiRunDir, type VolumeContext } from "../volumes/mod.ts";
import { PullError, PullInProgress } from "../images/pull_error.ts";
import { NetworkNotReady, type VmNetworkAttacher } from "../network/attach.ts";
import type { PassMemory } from "./memory.ts";
import { dropManagedFields } from "../../lib/cache.ts";
import { writeMigrationState } from "../migration/state_writes.ts";
import { prepareTarget } from "../migration/target_prepare.ts";
import {
  checkMigrationProgress,
  type MigrationRuntime,
  type SourceStepContext,
  startMigration,
} from "../migration/source_steps.ts";
import { boundHere, NotOurVmiError, patchFinalizers, writeStatus } from "./writes.ts";
import type { Action, Observation, Plan } from "./types.ts";
import { ignoring } from "./ignoring.ts";
import { startDomain } from "./start_domain.ts";
import { attachDisk, detachDisk } from "./hotplug_apply.ts";

export interface ApplyContext {
  rest: RestClient;
  hypervisor: Hypervisor;
  node: NodeFacts;
  volumes: VolumeContext;
  events: EventRecorder;
  memory: PassMemory;
  /** Joins guests to their launcher pod's network. */
  network: VmNetworkAttacher;
  log: Logger;
  /** Live migration: the jobs this process runs as source, and how they run. */
  migrations?: MigrationRuntime;
}

/**
 * Applies `plan` for `o.key`; throws to have the key retried with backoff. Answers "again" when
 * the pass changed what it acts on (a start failed for good and the VMI was failed) and the key
 * should be looked at again at once, without counting a failure; "waiting" when a start waits
 * for an image pull, whose end brings the key back, or for the launcher pod's network, whose
 * status change does.
 */
export async function apply(
  o: Observation,
  plan: Plan,
  ctx: ApplyContext,
): Promise<"again" | "waiting" | void> {
  let vmi = o.vmi;
  try {
    if (plan.blocked) throw new Error(plan.blocked);
    for (const action of plan.actions) vmi = await step(o, action, vmi, ctx);
    if (!vmi && !o.domain) ctx.memory.forget(o.key);
  } catch (error) {
    if (error instanceof PullInProgress || error instanceof NetworkNotReady) {
      ctx.log.debug("Waiting", { vmi: o.key, for: (error as Error).message });
      return "waiting";
    }
    return await recordFailure(o, vmi, error, ctx);
  }
}

async function step(
  o: Observation,
  action: Action,
  vmi: VMI | undefined,
  ctx: ApplyContext,
): Promise<VMI | undefined> {
  const { hypervisor } = ctx;
  switch (action.type) {
    case "addFinalizer": {
      const current = boundHere(vmi, ctx.node.name);
      const finalizers = [...(current.metadata.finalizers ?? []), AGENT_FINALIZER];
      return await patchFinalizers(current, finalizers, ctx);
    }
    case "removeFinalizer": {
      if (!vmi || !(vmi.metadata.finalizers ?? []).includes(AGENT_FINALIZER)) return vmi;
      const current = boundHere(vmi, ctx.node.name);
      const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== AGENT_FINALIZER);
      const released = await patchFinalizers(current, finalizers, ctx).catch((error) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      ctx.log.info("VMI released", { vmi: o.key });
      return released;
    }
    case "startDomain":
      await startDomain(boundHere(vmi, ctx.node.name), o, action.paused, ctx);
      ctx.memory.lastError.delete(o.key);
      ctx.memory.networkEnsured.add(o.key);
      return vmi;
    case "ensureNetwork":
      // Never holds up the pass: a guest that keeps its lease keeps working without it.
      try {
        await ctx.network.attach(boundHere(vmi, ctx.node.name), o.launcherPod);
        ctx.memory.networkEnsured.add(o.key);
        ctx.log.info("Adopted guest's pod network checked", { vmi: o.key });
      } catch (error) {
        ctx.log.warn("Cannot check the guest's pod network", {
          vmi: o.key,
          error: messageOf(error),
        });
      }
      return vmi;
    case "attachDisk":
      await attachDisk(boundHere(vmi, ctx.node.name), o, action.name, ctx);
      return vmi;
    case "detachDisk":
      await detachDisk(boundHere(vmi, ctx.node.name), o, action, ctx);
      return vmi;
    case "shutdown":
      await ignoring(hypervisor.shutdown(o.domain!.uuid), OperationInvalidError);
      ctx.memory.shutdownRequestedAt.set(o.key, Date.parse(o.now));
      ctx.log.info("Guest asked to shut down", { domain: o.domain!.name });
      return vmi;
    case "destroy":
      await ignoring(hypervisor.destroy(action.uuid), OperationInvalidError);
      ctx.log.info("Domain destroyed", { domain: o.domain?.name, uuid: action.uuid });
      return vmi;
    case "undefine":
      await ignoring(hypervisor.undefine(action.uuid));
      ctx.memory.shutdownRequestedAt.delete(o.key);
      ctx.log.info("Domain undefined", { domain: o.domain?.name, uuid: action.uuid });
      return vmi;
    case "removeFiles": {
      await removeFiles(o.key, action.uid, action.keepSerialLog, ctx);
      return vmi;
    }
    case "writeStatus":
      return await writeStatus(boundHere(vmi, ctx.node.name), action.status, ctx);
    case "event":
      if (vmi) void ctx.events.record(vmi, action.eventType, action.reason, action.message);
      return vmi;
    case "writeMigrationState": {
      if (!vmi) throw new Error("Cannot write the migration state of a VMI that is gone");
      const written = dropManagedFields(await writeMigrationState(ctx.rest, vmi, action.fields));
      ctx.log.info("Migration state written", { vmi: o.key, fields: Object.keys(action.fields) });
      return written;
    }
    case "prepareTarget":
      await prepareTarget(vmi!, o.targetPod!, ctx);
      ctx.log.info("Migration target prepared", { vmi: o.key });
      return vmi;
    case "startMigration":
      startMigration(
        o.key,
        boundHere(vmi, ctx.node.name),
        sourceStepContext(ctx),
        (uid) => removeFiles(o.key, uid, false, ctx),
      );
      return vmi;
    case "abortMigration":
      ctx.migrations?.jobs.abort(o.key);
      return vmi;
    case "checkMigrationProgress":
      await checkMigrationProgress(o.key, vmi!, sourceStepContext(ctx));
      return vmi;
    case "abortMigrationJob":
      // A job libvirt may still run for a migration no process follows any more.
      await hypervisor.abortJob(o.domain!.uuid).catch(() => {});
      return vmi;
  }
}

/** Removes the VMI's data directory, and its run directory (but the serial log, if asked). */
async function removeFiles(key: string, uid: string, keepSerialLog: boolean, ctx: ApplyContext) {
  await removeVmiDir(ctx.volumes.dataDir, uid);
  await ctx.volumes.releaseImages(uid);
  const { namespace, name } = splitKey(key);
  // The run paths depend only on the VMI's name, uid and console settings, not on its spec.
  const vmi = { metadata: { namespace, name, uid }, spec: { domain: { devices: {} } } } as VMI;
  if (!keepSerialLog) return await removeVmiRunDir(vmi, ctx.node);
  const paths = vmiRunPathsFor(vmi, ctx.node);
  try {
    for await (const entry of Deno.readDir(paths.dir)) {
      const path = join(paths.dir, entry.name);
      if (path !== paths.serialLog) await Deno.remove(path, { recursive: true });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * After a failed pass: a VMI that cannot start (a terminal error) becomes Failed; otherwise the
 * Synchronized condition and a Warning say why, and the error propagates so the key is retried.
 */
async function recordFailure(
  o: Observation,
  vmi: VMI | undefined,
  error: unknown,
  ctx: ApplyContext,
): Promise<"again"> {
  const message = messageOf(error);
  const canWrite = vmi && vmi.status?.nodeName === ctx.node.name &&
    !vmi.metadata.deletionTimestamp &&
    (vmi.status?.phase === "Scheduled" || vmi.status?.phase === "Running");
  if (error instanceof TerminalError || error instanceof InvalidDomainXmlError) {
    if (canWrite && vmi.status?.phase === "Scheduled") {
      ctx.memory.lastError.set(o.key, message);
      void ctx.events.warning(vmi, "FailedCreate", message);
      const failed = finalStatus(vmi, "Failed", "FailedCreate", o.launcherPod, o.now);
      failed.conditions = syncFailedStatus({ ...vmi, status: failed }, message, o.now).conditions;
      await writeStatus(vmi, failed, ctx).catch((e) =>
        ctx.log.warn("Cannot record the failure in the VMI status", { error: messageOf(e) })
      );
      // The next pass tears down whatever was made before the failure.
      return "again";
    }
    throw error;
  }
  if (canWrite && !(error instanceof NotOurVmiError)) {
    ctx.memory.lastError.set(o.key, message);
    // A pull's own Events (Failed, BackOff) already tell it; its reason is kubelet's.
    const pull = error instanceof PullError;
    if (!pull) void ctx.events.warning(vmi, "SyncFailed", message);
    const reason = pull ? error.reason : undefined;
    await writeStatus(vmi, syncFailedStatus(vmi, message, o.now, reason), ctx).catch(() => {});
  }
  throw error;
}

/** The apply context as the migration source steps take it. */
function sourceStepContext(ctx: ApplyContext): SourceStepContext {
  const { rest, hypervisor, node, log, migrations } = ctx;
  return {
    rest,
    hypervisor,
    node,
    dataDir: ctx.volumes.dataDir,
    log,
    ...(migrations ? { migrations } : {}),
  };
}
