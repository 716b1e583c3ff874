// The lookups of the webhooks role, as plain GETs against the API server named by a kubeconfig.
// Kept apart so that the shared REST client can replace it.
import type { VirtualMachineInstance, VirtualMachineInstanceMigration } from "../api/mod.ts";
import { type KubeConfigLike, transportFrom } from "../lib/kube/transport.ts";
import type { Lookups } from "./review.ts";

/** How long one lookup may take; the validator's own deadline is a little longer. */
const LOOKUP_TIMEOUT_MS = 2_500;

export interface ApiServerLookups extends Lookups {
  close(): void;
}

/** Lookups that GET from the current cluster of `kc` with its user's credentials. */
export function apiServerLookups(kc: KubeConfigLike): ApiServerLookups {
  const transport = transportFrom(kc);
  const get = async <T>(path: string): Promise<T | undefined> => {
    const response = await fetch(`${transport.server}${path}`, {
      client: transport.client,
      headers: { accept: "application/json", ...transport.authHeaders() },
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // Not a Status: keep the text.
      }
      throw new Error(`GET ${path}: ${response.status}: ${message}`);
    }
    return await response.json() as T;
  };
  const base = (namespace: string) =>
    `/apis/kubevirt.io/v1/namespaces/${encodeURIComponent(namespace)}`;
  return {
    getVmi: (namespace, name) =>
      get<VirtualMachineInstance>(
        `${base(namespace)}/virtualmachineinstances/${encodeURIComponent(name)}`,
      ),
    listMigrations: async (namespace) =>
      (await get<{ items: VirtualMachineInstanceMigration[] }>(
        `${base(namespace)}/virtualmachineinstancemigrations`,
      ))
        ?.items ?? [],
    close: () => transport.close(),
  };
}
