import type { PersistentVolumeClaim } from "../../api/mod.ts";
/** How the agent's storage writes sign themselves and name the claims they write. */

/** The field manager of every write the agent's storage makes. */
export const FIELD_MANAGER = "denovirt-agent";

/** The claim's namespace and name, as the REST client takes them. */
export function refOf(pvc: PersistentVolumeClaim): { namespace: string; name: string } {
  return { namespace: pvc.metadata?.namespace ?? "default", name: pvc.metadata?.name ?? "" };
}
