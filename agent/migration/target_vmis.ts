/**
 * The VMIs migrating to this node. The agent's VMI cache holds the VMIs whose `nodeName` label
 * names its node; a migration's target learns of its VMI from this second watch of all VMIs,
 * which keeps in full only those whose migration record names this node as target (the others
 * as name-only stubs, so memory stays small; every VMI change still crosses the wire).
 */
import type { VMI } from "../../api/mod.ts";
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

/** The object kept for a VMI: itself when it migrates to `node`, else a stub. */
export function keptForTarget(vmi: VMI, node: string): VMI {
  if (migratesTo(vmi, node)) {
    const { managedFields: _, ...metadata } = vmi.metadata as VMI["metadata"] & {
      managedFields?: unknown;
    };
    return { ...vmi, metadata };
  }
  const { namespace, name, uid, resourceVersion } = vmi.metadata;
  return { metadata: { namespace, name, uid, resourceVersion } } as VMI;
}

/** The watch of VMIs migrating to `node`. */
export function targetVmisReflector(rest: RestClient, node: string, log: Logger): Reflector<VMI> {
  return new Reflector<VMI>({
    source: restListWatch<VMI>(rest, virtualMachineInstances),
    name: "migration target VMIs",
    log,
    transform: (vmi) => keptForTarget(vmi, node),
  });
}
