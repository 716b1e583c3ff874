/**
 * Deletes this node's released `denovirt.io/local` volumes (reclaim policy Delete): stops the
 * import into the volume, removes its directory, then the PV.
 */
import type { PersistentVolume } from "../../api/mod.ts";
import type { Controller } from "../../lib/controller.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { persistentVolumes } from "../../lib/kube/resources.ts";
import { deletionOf } from "./deleter.ts";
import { removeVolumeDir } from "./filesystem.ts";
import type { ImportJobs } from "./import_jobs.ts";

/** The reclaimer controller of this node. */
export function reclaimerController(
  opts: { node: string; volumesDir: string; imports: ImportJobs },
): Controller<PersistentVolume> {
  return {
    name: "local-reclaimer",
    for: persistentVolumes,
    backoff: { baseMs: 500, maxMs: 60_000, factor: 2, jitter: 0.2 },
    async reconcile(name, ctx) {
      const pv = ctx.object;
      const deletion = pv && deletionOf(pv, opts.node, opts.volumesDir);
      if (!pv || !deletion) return;
      if (deletion.claimKey) await opts.imports.cancel(deletion.claimKey, deletion.claimUid);
      await removeVolumeDir(deletion.dir, opts.volumesDir);
      try {
        await ctx.rest.delete(persistentVolumes, { name }, {
          preconditions: { uid: pv.metadata?.uid ?? "" },
          signal: ctx.signal,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      ctx.log.info("Volume deleted", { dir: deletion.dir, claim: deletion.claimKey });
    },
  };
}
