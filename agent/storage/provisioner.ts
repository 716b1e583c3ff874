/**
 * The `denovirt.io/local` provisioner of this node: a PV (a directory under the volumes
 * directory, pinned to the node) for each claim the scheduler or the controllers placed here,
 * as Kubernetes' external provisioners do. One claim at a time, so two cannot both take the
 * last free bytes.
 */
import {
  FIELD_MANAGERS,
  type PersistentVolume,
  type PersistentVolumeClaim,
  SELECTED_NODE,
  type StorageClass,
} from "../../api/mod.ts";
import type { Controller } from "../../lib/controller.ts";
import { isAlreadyExists } from "../../lib/kube/api_error.ts";
import { keyOf } from "../../lib/kube/object.ts";
import {
  persistentVolumeClaims,
  persistentVolumes,
  storageClasses,
} from "../../lib/kube/resources.ts";
import { ensureVolumeDir } from "./filesystem.ts";
import type { NodeCapacity } from "./node_capacity.ts";
import { isMineToProvision, provisionDecision } from "./provision.ts";
import { claimKeyOfPv, pvNameFor } from "./types.ts";

export interface ProvisionerOptions {
  node: string;
  volumesDir: string;
  capacity: NodeCapacity;
}

/** The provisioner controller of this node. */
export function provisionerController(opts: ProvisionerOptions): Controller<PersistentVolumeClaim> {
  const { node, volumesDir, capacity } = opts;
  /** The resourceVersion each refused claim was last reported at, so events do not repeat. */
  const refused = new Map<string, string | undefined>();
  return {
    name: "local-provisioner",
    for: persistentVolumeClaims,
    watches: [
      {
        // A class that arrives late unblocks the claims that name it.
        resource: storageClasses,
        mapToKeys: (sc, cache) =>
          cache<PersistentVolumeClaim>(persistentVolumeClaims).list()
            .filter((c) => c.spec?.storageClassName === sc.metadata?.name)
            .filter((c) => isMineToProvision(c, node)).map(keyOf),
      },
      {
        resource: persistentVolumes,
        mapToKeys: (pv) => {
          const claim = claimKeyOfPv(pv as PersistentVolume);
          return claim ? [claim] : [];
        },
      },
    ],
    concurrency: 1,
    backoff: { baseMs: 500, maxMs: 60_000, factor: 2, jitter: 0.2 },
    async reconcile(key, ctx) {
      const pvc = ctx.object;
      if (!pvc) refused.delete(key);
      if (!pvc || !isMineToProvision(pvc, node)) return;
      const pvName = pvNameFor(pvc);
      const volumes = ctx.cache<PersistentVolume>(persistentVolumes);
      const decision = provisionDecision({
        pvc,
        node,
        volumesDir,
        storageClass: ctx.cache<StorageClass>(storageClasses).get(pvc.spec?.storageClassName ?? ""),
        existingPv: volumes.get(pvName) ?? capacity.createdPv(pvName),
        capacity: await capacity.bytes(),
        allocated: capacity.allocated(volumes),
      });
      switch (decision.action) {
        case "ignore":
          return;
        case "waitForClass":
          ctx.log.info("Claim waits for its StorageClass", { class: decision.className });
          return;
        case "exists":
          return await ensureVolumeDir(decision.dir, volumesDir);
        case "refuse": {
          const rv = pvc.metadata?.resourceVersion;
          if (refused.has(key) && refused.get(key) === rv) return;
          refused.set(key, rv);
          ctx.log.warn("Cannot provision claim", { reason: decision.message });
          await ctx.events.warning(pvc, "ProvisioningFailed", decision.message);
          if (decision.unselect) {
            // As sig-storage's provisioner library does: the scheduler (or the controllers) pick again.
            await ctx.rest.patch(persistentVolumeClaims, {
              namespace: pvc.metadata?.namespace ?? "default",
              name: pvc.metadata?.name ?? "",
            }, {
              metadata: { annotations: { [SELECTED_NODE]: null } },
            }, { type: "merge", fieldManager: FIELD_MANAGERS.agent, signal: ctx.signal });
          }
          return;
        }
        case "provision": {
          await ctx.events.normal(
            pvc,
            "Provisioning",
            `External provisioner is provisioning volume for claim "${key}"`,
          );
          await ensureVolumeDir(decision.dir, volumesDir);
          try {
            const created = await ctx.rest.create<PersistentVolume>(
              persistentVolumes,
              decision.pv,
              {
                fieldManager: FIELD_MANAGERS.agent,
                signal: ctx.signal,
              },
            );
            capacity.addCreated(pvName, created);
          } catch (error) {
            if (!isAlreadyExists(error)) throw error;
          }
          ctx.log.info("Volume provisioned", { volume: pvName, dir: decision.dir });
          await ctx.events.normal(
            pvc,
            "ProvisioningSucceeded",
            `Successfully provisioned volume ${pvName}`,
          );
        }
      }
    },
  };
}
