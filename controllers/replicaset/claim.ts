/**
 * Which VMIs a replica set controls: its own that its selector still selects, plus orphans it
 * adopts; its own that the selector no longer selects are released (KubeVirt's and Kubernetes'
 * ClaimObject). Pure.
 */
import { selects, type VMI, type VMIRS } from "../../api/mod.ts";
import { controllerRefOf } from "./vmi_for.ts";

/** The outcome of claiming the VMIs of a replica set's namespace. */
export interface Claims {
  /** The VMIs the replica set controls once the adoptions went through. */
  claimed: VMI[];
  /** Orphans the selector selects: take control of them. */
  adopt: VMI[];
  /** Its own VMIs the selector no longer selects: let go of them. */
  release: VMI[];
}

/** Claim, among `vmis` (one namespace), those of `rs`. */
export function claimVmis(rs: VMIRS, vmis: readonly VMI[]): Claims {
  const claims: Claims = { claimed: [], adopt: [], release: [] };
  const deleting = !!rs.metadata.deletionTimestamp;
  for (const vmi of vmis) {
    const match = selects(rs.spec.selector, vmi.metadata.labels);
    const ref = controllerRefOf(vmi);
    if (ref) {
      if (ref.uid !== rs.metadata.uid) continue; // Another controller's.
      if (match) claims.claimed.push(vmi);
      // A replica set being deleted takes no actions, and keeps nothing it no longer selects.
      else if (!deleting) claims.release.push(vmi);
      continue;
    }
    // An orphan: adopted unless either side is going away.
    if (deleting || !match || vmi.metadata.deletionTimestamp) continue;
    claims.adopt.push(vmi);
    claims.claimed.push(vmi);
  }
  return claims;
}
