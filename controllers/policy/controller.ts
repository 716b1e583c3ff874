/**
 * The policy status controllers: each policy's `status.violations` and `violators`, the existing
 * objects it would have refused, kept current from the caches as objects and policies change.
 */
import {
  ClusterPolicySchema,
  type ControllerRevision,
  type DV,
  FIELD_MANAGERS,
  NamespacedPolicySchema,
  type Policy,
  type VM,
  type VMI,
  type VMIRS,
} from "../../api/mod.ts";
import type { CacheReader, Controller, ReconcileContext, Watch } from "../../lib/controller.ts";
import { keyFor, keyOf, type KubeObject } from "../../lib/kube/object.ts";
import {
  controllerRevisions,
  dataVolumes,
  namespaces,
  type Resource,
  virtualMachineClusterPolicies,
  virtualMachineInstanceReplicaSets,
  virtualMachineInstances,
  virtualMachinePolicies,
  virtualMachines,
} from "../../lib/kube/resources.ts";
import { sameJson } from "../writes.ts";
import { type JudgedObject, judgedObjects, policyApplies, violationsOf } from "./violations.ts";

type PolicyObject = Policy & KubeObject;

/** The kinds of objects a policy judges, each change of which may change a count. */
const JUDGED: readonly Resource[] = [
  virtualMachines,
  virtualMachineInstances,
  virtualMachineInstanceReplicaSets,
  dataVolumes,
];

/** What the status controllers read besides what they watch. */
export const POLICY_STATUS_CACHES: readonly Resource[] = [controllerRevisions];

/** The judged objects of `namespace`, from the caches. */
function objectsIn(cache: CacheReader, namespace: string): JudgedObject[] {
  const of = <T extends KubeObject>(resource: Resource) =>
    cache<T>(resource).byIndex("byNamespace", namespace);
  const revisions = cache<ControllerRevision & KubeObject>(controllerRevisions);
  return judgedObjects(namespace, {
    vms: of<VM>(virtualMachines),
    vmis: of<VMI>(virtualMachineInstances),
    replicaSets: of<VMIRS>(virtualMachineInstanceReplicaSets),
    dataVolumes: of<DV>(dataVolumes),
    revision: (name) => revisions.get(keyFor(namespace, name)),
  });
}

/** Writes the counts of `policy` when they changed. */
async function writeStatus(
  ctx: ReconcileContext<PolicyObject>,
  resource: Resource,
  policy: PolicyObject,
  objects: JudgedObject[],
) {
  const owned = {
    ...violationsOf(policy, objects),
    observedGeneration: policy.metadata.generation,
  };
  const current = policy.status ?? {};
  if (
    current.violations === owned.violations &&
    current.observedGeneration === owned.observedGeneration &&
    sameJson(current.violators ?? [], owned.violators)
  ) return;
  await ctx.rest.patch(
    resource,
    { namespace: policy.metadata.namespace, name: policy.metadata.name ?? "" },
    { status: owned },
    {
      type: "merge",
      subresource: "status",
      fieldManager: FIELD_MANAGERS.controllers,
      signal: ctx.signal,
    },
  );
}

/** A policy that its schema accepts (one stored before the webhook is left alone). */
function validPolicy(obj: PolicyObject | undefined, resource: Resource): PolicyObject | undefined {
  if (!obj) return undefined;
  const schema = resource === virtualMachineClusterPolicies
    ? ClusterPolicySchema
    : NamespacedPolicySchema;
  return schema.safeParse(obj).success ? obj : undefined;
}

/** Keeps the counts of every VirtualMachineClusterPolicy over the namespaces it selects. */
export function clusterPolicyStatusController(): Controller<PolicyObject> {
  const everyPolicy = (_: KubeObject, cache: CacheReader) =>
    cache(virtualMachineClusterPolicies).list().map((p) => keyOf(p));
  return {
    name: "cluster-policy-status",
    for: virtualMachineClusterPolicies,
    // Any namespace's objects or labels may change what a cluster policy counts; with no cluster
    // policy, a change maps to no key at all.
    watches: [...JUDGED, namespaces].map((resource): Watch => ({
      resource,
      mapToKeys: everyPolicy,
    })),
    concurrency: 1,
    async reconcile(_key, ctx) {
      const policy = validPolicy(ctx.object, virtualMachineClusterPolicies);
      if (!policy) return;
      const objects = ctx.cache(namespaces).list()
        .filter((ns) => policyApplies(policy, ns.metadata?.name ?? "", ns.metadata?.labels))
        .flatMap((ns) => objectsIn(ctx.cache, ns.metadata?.name ?? ""));
      await writeStatus(ctx, virtualMachineClusterPolicies, policy, objects);
    },
  };
}

/** Keeps the counts of every VirtualMachinePolicy over its namespace. */
export function namespacedPolicyStatusController(): Controller<PolicyObject> {
  const policiesOfNamespace = (obj: KubeObject, cache: CacheReader) =>
    cache(virtualMachinePolicies).byIndex("byNamespace", obj.metadata?.namespace ?? "")
      .map((p) => keyOf(p));
  return {
    name: "policy-status",
    for: virtualMachinePolicies,
    watches: JUDGED.map((resource): Watch => ({ resource, mapToKeys: policiesOfNamespace })),
    concurrency: 1,
    async reconcile(_key, ctx) {
      const policy = validPolicy(ctx.object, virtualMachinePolicies);
      if (!policy) return;
      const objects = objectsIn(ctx.cache, policy.metadata.namespace ?? "");
      await writeStatus(ctx, virtualMachinePolicies, policy, objects);
    },
  };
}
