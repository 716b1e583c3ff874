/**
 * The VMIs migrating to this node. The agent's VMI cache holds the VMIs whose `nodeName` label
 * names its node; a migration's target learns of its VMI from a second watch, of the VMIs whose
 * `kubevirt.io/migrationTargetNodeName` label (set by the controllers with the migration's record,
 * removed once it is over) names this node. A VMI that leaves that selection is remembered by key
 * until what its migration left here is removed.
 */
import { MIGRATION_TARGET_NODE_LABEL, type VMI } from "../../api/mod.ts";
import type { ChangeSource } from "../../lib/change_source.ts";
import { keyOf } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import { Reflector } from "../../lib/watch.ts";
import { restListWatch } from "../../lib/watch_source.ts";

/** Whether the VMI's latest migration record names `node` as its target. */
export function migratesTo(vmi: VMI | undefined, node: string): boolean {
  const state = vmi?.status?.migrationState;
  return !!state?.migrationUid && state.targetNode === node;
}

/** The label selector of the VMIs migrating to `node`. */
export function targetSelector(node: string): string {
  return `${MIGRATION_TARGET_NODE_LABEL}=${node}`;
}

/** The watch of VMIs migrating to `node`. */
export function targetVmisReflector(rest: RestClient, node: string, log: Logger): Reflector<VMI> {
  return new Reflector<VMI>({
    source: restListWatch<VMI>(rest, virtualMachineInstances, {
      labelSelector: targetSelector(node),
    }),
    name: "migration target VMIs",
    log,
    transform: (vmi) => {
      const { managedFields: _, ...metadata } = vmi.metadata as VMI["metadata"] & {
        managedFields?: unknown;
      };
      return { ...vmi, metadata };
    },
  });
}

/**
 * The UIDs of VMIs that left the target selection, by key: a migration that ended (or a VMI that
 * was deleted) may have left a prepared directory here that no watch shows any more.
 */
export class DepartedTargets {
  #uids = new Map<string, string>();

  /** Follows `source`: a VMI leaving it is remembered, one coming back forgotten. */
  follow(source: ChangeSource<VMI>): this {
    source.onChange((old, current) => {
      if (current) this.#uids.delete(keyOf(current));
      else if (old?.metadata.uid) this.#uids.set(keyOf(old), old.metadata.uid);
    });
    return this;
  }

  /** The UID of the VMI `key` that left, if it is still remembered. */
  uidOf(key: string): string | undefined {
    return this.#uids.get(key);
  }

  /** Forgets `key` (nothing of it is left here). */
  forget(key: string): void {
    this.#uids.delete(key);
  }
}
