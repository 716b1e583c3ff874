/**
 * The writes behind provisioning and deletion: creates this node's PVs for its claims (one
 * claim at a time), reports refusals, and deletes released volumes with their directories.
 */
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from "../../api/mod.ts";
import { SELECTED_NODE } from "../../api/storage_annotations.ts";
import type { EventRecorder } from "../../lib/events.ts";
import { isAlreadyExists, isNotFound } from "../../lib/kube/api_error.ts";
import { keyOf } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { persistentVolumeClaims, persistentVolumes } from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import type { Reflector } from "../../lib/watch.ts";
import { FIELD_MANAGER, refOf } from "./api_writes.ts";
import { deletionOf } from "./deleter.ts";
import { ensureVolumeDir, removeVolumeDir } from "./filesystem.ts";
import type { ImportDriver } from "./import_driver.ts";
import type { NodeCapacity } from "./node_capacity.ts";
import { isMineToProvision, provisionDecision } from "./provision.ts";
import { pvNameFor } from "./types.ts";

export interface VolumeActionsOptions {
  rest: RestClient;
  node: string;
  volumesDir: string;
  events: EventRecorder;
  log: Logger;
  volumes: Reflector<PersistentVolume>;
  classes: Reflector<StorageClass>;
  capacity: NodeCapacity;
  /** Imports to stop before a volume is deleted. */
  imports: Pick<ImportDriver, "cancel">;
  /** A volume was provisioned: the node's capacity changed. */
  onProvisioned(): void;
}

export class VolumeActions {
  #opts: VolumeActionsOptions;
  #provisioning = Promise.resolve();
  /** The resourceVersion each refused claim was last reported at, so events do not repeat. */
  #refused = new Map<string, string | undefined>();

  constructor(opts: VolumeActionsOptions) {
    this.#opts = opts;
  }

  /** Provisions the claim `key` (as the cache shows it, `pvc`) if it is this node's to provision. */
  async provisionClaim(key: string, pvc: PersistentVolumeClaim | undefined): Promise<void> {
    if (!pvc) this.#refused.delete(key);
    if (!pvc || !isMineToProvision(pvc, this.#opts.node)) return;
    // One claim at a time, so that two claims cannot both take the last free bytes.
    const turn = this.#provisioning.then(() => this.#provision(pvc));
    this.#provisioning = turn.catch(() => {});
    await turn;
  }

  async #provision(pvc: PersistentVolumeClaim): Promise<void> {
    const { node, rest, events, log, volumesDir, capacity } = this.#opts;
    const key = keyOf(pvc);
    const pvName = pvNameFor(pvc);
    const storageClass = this.#opts.classes.store.get(pvc.spec?.storageClassName ?? "");
    const decision = provisionDecision({
      pvc,
      node,
      volumesDir,
      storageClass,
      existingPv: this.#opts.volumes.store.get(pvName) ?? capacity.createdPv(pvName),
      capacity: await capacity.bytes(),
      allocated: capacity.allocated(),
    });
    switch (decision.action) {
      case "ignore":
        return;
      case "waitForClass":
        log.info("Claim waits for its StorageClass", { claim: key, class: decision.className });
        return;
      case "exists":
        await ensureVolumeDir(decision.dir, volumesDir);
        return;
      case "refuse": {
        const rv = pvc.metadata?.resourceVersion;
        if (this.#refused.has(key) && this.#refused.get(key) === rv) return;
        this.#refused.set(key, rv);
        log.warn("Cannot provision claim", { claim: key, reason: decision.message });
        await events.warning(pvc, "ProvisioningFailed", decision.message);
        if (decision.unselect) {
          // As sig-storage's provisioner library does: the scheduler (or the controllers) pick again.
          await rest.patch(persistentVolumeClaims, refOf(pvc), {
            metadata: { annotations: { [SELECTED_NODE]: null } },
          }, { type: "merge", fieldManager: FIELD_MANAGER });
        }
        return;
      }
      case "provision": {
        await events.normal(
          pvc,
          "Provisioning",
          `External provisioner is provisioning volume for claim "${key}"`,
        );
        await ensureVolumeDir(decision.dir, volumesDir);
        try {
          const created = await rest.create<PersistentVolume>(persistentVolumes, decision.pv, {
            fieldManager: FIELD_MANAGER,
          });
          capacity.addCreated(pvName, created);
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
        log.info("Volume provisioned", { claim: key, volume: pvName, dir: decision.dir });
        await events.normal(
          pvc,
          "ProvisioningSucceeded",
          `Successfully provisioned volume ${pvName}`,
        );
        this.#opts.onProvisioned();
        return;
      }
    }
  }

  /** Deletes the volume `name` if it is one of this node's released volumes to delete. */
  async reclaim(name: string): Promise<void> {
    const { node, volumesDir } = this.#opts;
    const pv = this.#opts.volumes.store.get(name);
    const deletion = pv && deletionOf(pv, node, volumesDir);
    if (!pv || !deletion) return;
    const log = this.#opts.log.with({ volume: name, claim: deletion.claimKey });
    if (deletion.claimKey) await this.#opts.imports.cancel(deletion.claimKey, deletion.claimUid);
    await removeVolumeDir(deletion.dir, volumesDir);
    try {
      await this.#opts.rest.delete(persistentVolumes, { name }, {
        preconditions: { uid: pv.metadata?.uid ?? "" },
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    log.info("Volume deleted", { dir: deletion.dir });
  }
}
