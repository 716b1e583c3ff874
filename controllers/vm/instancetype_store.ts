/**
 * The VM controller's writes for instance types and preferences: the ControllerRevisions that
 * freeze them for a VM (owned by the VM, their names written back to its spec, as KubeVirt does),
 * and the reads of those revisions when the VM's VMI is made.
 */
import {
  type ControllerRevision,
  type MatchedSpecs,
  type MatcherField,
  type MatcherTarget,
  matcherTarget,
  revisionFor,
} from "../../api/instancetype_revision.ts";
import type {
  InstancetypeObject,
  InstancetypeSpec,
  PreferenceSpec,
} from "../../api/instancetype.ts";
import type { VM } from "../../api/objects.ts";
import type { ReconcileContext } from "../../lib/controller.ts";
import { isAlreadyExists, isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import {
  controllerRevisions,
  type Resource,
  virtualMachineClusterInstancetypes,
  virtualMachineClusterPreferences,
  virtualMachineInstancetypes,
  virtualMachinePreferences,
  virtualMachines,
} from "../../lib/kube/resources.ts";

type Ctx = ReconcileContext<VM>;
const FIELDS: readonly MatcherField[] = ["instancetype", "preference"];

/** The resource of a matcher's kind. */
function resourceOf(target: MatcherTarget): Resource {
  if (target.field === "instancetype") {
    return target.cluster ? virtualMachineClusterInstancetypes : virtualMachineInstancetypes;
  }
  return target.cluster ? virtualMachineClusterPreferences : virtualMachinePreferences;
}

/** The object a matcher names; a missing one is the VM's problem, retried with backoff. */
async function targetObject(ctx: Ctx, vm: VM, target: MatcherTarget): Promise<InstancetypeObject> {
  try {
    return await ctx.rest.get<InstancetypeObject & KubeObject>(
      resourceOf(target),
      target.cluster
        ? { name: target.name }
        : { namespace: vm.metadata.namespace ?? "", name: target.name },
      ctx.signal,
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const message = `Cannot find ${target.kind} ${target.name}: it does not exist`;
    await ctx.events.warning(vm, "FailedCreate", message);
    throw new Error(message);
  }
}

/**
 * Stores a revision of each instance type or preference the VM names without a revisionName yet,
 * and writes the revision names to the VM's spec. Answers whether it wrote the VM.
 */
export async function storeInstancetypeRevisions(ctx: Ctx, vm: VM): Promise<boolean> {
  const patch: Record<string, { revisionName: string }> = {};
  for (const field of FIELDS) {
    const target = matcherTarget(vm, field);
    if (!target || target.revisionName) continue;
    const revision = revisionFor(vm, await targetObject(ctx, vm, target));
    try {
      await ctx.rest.create(controllerRevisions, revision as unknown as KubeObject, {
        signal: ctx.signal,
      });
      ctx.log.info("Stored a revision of the VM's " + field, { revision: revision.metadata.name });
    } catch (error) {
      // The same object at the same generation: a revision an earlier pass made.
      if (!isAlreadyExists(error)) throw error;
    }
    patch[field] = { revisionName: revision.metadata.name ?? "" };
  }
  if (Object.keys(patch).length === 0) return false;
  await ctx.rest.patch(
    virtualMachines,
    { namespace: vm.metadata.namespace ?? "", name: vm.metadata.name ?? "" },
    { metadata: { resourceVersion: vm.metadata.resourceVersion }, spec: patch },
    { type: "merge", signal: ctx.signal },
  );
  return true;
}

/** The instance type and preference specs frozen in the VM's revisions. */
export async function matchedSpecsOf(ctx: Ctx, vm: VM): Promise<MatchedSpecs> {
  const specs: MatchedSpecs = {};
  for (const field of FIELDS) {
    const target = matcherTarget(vm, field);
    if (!target?.revisionName) continue;
    const revision = await ctx.rest.get<ControllerRevision & KubeObject>(
      controllerRevisions,
      { namespace: vm.metadata.namespace ?? "", name: target.revisionName },
      ctx.signal,
    );
    if (field === "instancetype") specs.instancetype = revision.data.spec as InstancetypeSpec;
    else specs.preference = revision.data.spec as PreferenceSpec;
  }
  return specs;
}
