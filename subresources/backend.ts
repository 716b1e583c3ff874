/** The Backend of the aggregated API on a real cluster: the REST client and the node agents. */
import { cachedCheck, type ReadinessCheck } from "../lib/http/readiness.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import { apiServerCheck } from "../lib/kube/api_readiness.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import {
  type Resource,
  virtualMachineInstanceMigrations,
  virtualMachineInstances,
  virtualMachines,
} from "../lib/kube/resources.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { type Authorizer, subjectAccessReviewFor } from "./access.ts";
import { AgentClient, type ClientTls } from "./agent_client.ts";
import type { Backend } from "./app_options.ts";
import type { VmiLike, VmLike } from "./lifecycle.ts";

const subjectAccessReviews: Resource = {
  group: "authorization.k8s.io",
  version: "v1",
  plural: "subjectaccessreviews",
  kind: "SubjectAccessReview",
  namespaced: false,
};

async function getOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** SubjectAccessReviews through the API server. */
export function sarAuthorizer(kube: RestClient): Authorizer {
  return async (caller, attrs) => {
    const review = await kube.create<
      KubeObject & { status?: { allowed?: boolean; reason?: string } }
    >(
      subjectAccessReviews,
      subjectAccessReviewFor(caller, attrs),
    );
    const reason = review.status?.reason;
    return { allowed: review.status?.allowed === true, ...(reason ? { reason } : {}) };
  };
}

/** A Backend on the cluster `kube` talks to, reaching agents with `agentTls`. */
export function clusterBackend(
  kube: RestClient,
  agentTls: ClientTls,
): Backend & { agents: AgentClient } {
  const agents = new AgentClient(kube, agentTls);
  return {
    agents,
    getVm: (namespace, name) =>
      getOrUndefined(() => kube.get<KubeObject & VmLike>(virtualMachines, { namespace, name })),
    getVmi: (namespace, name) =>
      getOrUndefined(() =>
        kube.get<KubeObject & VmiLike>(virtualMachineInstances, { namespace, name })
      ),
    patch: async (step, namespace, name, dryRun) => {
      const resource = step.target === "vmi" ? virtualMachineInstances : virtualMachines;
      await kube.patch(resource, { namespace, name }, step.patch, {
        type: "json",
        dryRun,
        fieldManager: "denovirt-subresources",
        ...(step.target === "vm-status" ? { subresource: "status" } : {}),
      });
    },
    authorize: sarAuthorizer(kube),
    agentPut: async (vmi, action) => {
      await agents.call(vmi, "PUT", action);
    },
    agentScreenshot: (vmi) => agents.callForBytes(vmi, "GET", "vnc/screenshot"),
    agentGuestList: (vmi, what) => agents.call(vmi, "GET", what),
    createMigration: async (migration, dryRun) => {
      await kube.create(virtualMachineInstanceMigrations, migration as KubeObject, {
        dryRun,
        fieldManager: "denovirt-subresources",
      });
    },
  };
}

/** Ready once `kube` can read the VMs and VMIs every call starts with; one answer holds 2 s. */
export function backendReadiness(kube: RestClient): ReadinessCheck {
  return cachedCheck(apiServerCheck(kube, [virtualMachines, virtualMachineInstances]), 2_000);
}
