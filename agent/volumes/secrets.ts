/** Secrets volumes read (cloud-init user data): the data of one Secret, from the API server. */
import { isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { secrets } from "../../lib/kube/resources.ts";

/** A Secret's `data` (base64 values), or undefined when it does not exist. */
export async function secretDataOf(
  rest: RestClient,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const secret = await rest.get<KubeObject & { data?: Record<string, string> }>(secrets, {
      namespace,
      name,
    });
    return secret.data ?? {};
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
