/** How the agent's storage writes sign themselves and name the claims they write. */
import type { Pvc } from "./types.ts";

/** The field manager of every write the agent's storage makes. */
export const FIELD_MANAGER = "denovirt-agent";

/** The claim's namespace and name, as the REST client takes them. */
export function refOf(pvc: Pvc): { namespace: string; name: string } {
  return { namespace: pvc.metadata?.namespace ?? "default", name: pvc.metadata?.name ?? "" };
}
