// The policies the webhooks enforce, kept by watches (the policies of both kinds and the
// namespaces' labels), so that a review reads memory and never the API server.
import {
  applicablePolicies,
  type ClusterPolicy,
  ClusterPolicySchema,
  type NamespacedPolicy,
  NamespacedPolicySchema,
  type Policy,
} from "../../api/mod.ts";
import type { ReadinessCheck } from "../../lib/http/readiness.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import {
  namespaces,
  virtualMachineClusterPolicies,
  virtualMachinePolicies,
} from "../../lib/kube/resources.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import type { Logger } from "../../lib/log.ts";
import { Reflector, restListWatch } from "../../lib/watch.ts";
import type { z } from "zod";

/** The policy watches of the webhooks role. */
export class PolicyCache {
  #cluster: Reflector<KubeObject>;
  #namespaced: Reflector<KubeObject>;
  #namespaces: Reflector<KubeObject>;
  /** Parsed policies by stored object: a store replaces the object on every change. */
  #parsed = new WeakMap<object, Policy | null>();

  constructor(kube: RestClient, log: Logger) {
    const reflector = (resource: typeof namespaces) =>
      new Reflector<KubeObject>({
        source: restListWatch(kube, resource),
        name: resource.plural,
        log,
      });
    this.#cluster = reflector(virtualMachineClusterPolicies);
    this.#namespaced = reflector(virtualMachinePolicies);
    this.#namespaces = reflector(namespaces);
  }

  /** Starts the watches. */
  start(): void {
    for (const r of [this.#cluster, this.#namespaced, this.#namespaces]) r.start();
  }

  /** Stops the watches. */
  async stop(): Promise<void> {
    await Promise.all([this.#cluster, this.#namespaced, this.#namespaces].map((r) => r.stop()));
  }

  /** Not ready until every watch has listed: a review before that would skip policies. */
  readonly readiness: ReadinessCheck = () =>
    Promise.resolve(
      [this.#cluster, this.#namespaced, this.#namespaces].every((r) => r.hasSynced)
        ? undefined
        : "The policy caches have not listed yet",
    );

  /** The policies that apply in `namespace`. */
  policiesFor(namespace: string): Policy[] {
    const labels = this.#namespaces.store.get(namespace)?.metadata?.labels;
    return applicablePolicies(
      this.#valid(this.#cluster.store.list(), ClusterPolicySchema) as ClusterPolicy[],
      this.#valid(
        this.#namespaced.store.byIndex("byNamespace", namespace),
        NamespacedPolicySchema,
      ) as NamespacedPolicy[],
      namespace,
      labels,
    );
  }

  /** The objects that are well-formed policies (one stored before the webhook is left out). */
  #valid(objects: KubeObject[], schema: z.ZodType): Policy[] {
    const policies: Policy[] = [];
    for (const object of objects) {
      let policy = this.#parsed.get(object);
      if (policy === undefined) {
        const parsed = schema.safeParse(object);
        policy = parsed.success ? parsed.data as Policy : null;
        this.#parsed.set(object, policy);
      }
      if (policy) policies.push(policy);
    }
    return policies;
  }
}
