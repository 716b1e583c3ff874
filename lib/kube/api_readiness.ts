/** Readiness of a server that answers from the API server: its client can read what it needs. */
import type { ReadinessCheck } from "../http/readiness.ts";
import { messageOf } from "../errors.ts";
import { type Resource, resourceName } from "./resources.ts";
import type { RestClient } from "./rest.ts";

/**
 * One list (limit 1) of each resource through `kube`: the API server answers, trusts the
 * client's credentials, and RBAC lets it read what the server reads on every request.
 */
export function apiServerCheck(
  kube: RestClient,
  resources: Resource[],
  timeoutMs = 2_000,
): ReadinessCheck {
  return async () => {
    for (const resource of resources) {
      try {
        await kube.list(resource, { limit: 1, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        return `cannot read ${resourceName(resource)} from the API server: ${messageOf(error)}`;
      }
    }
    return undefined;
  };
}
