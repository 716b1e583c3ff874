// The PersistentVolumeClaim validator: a claim that CDI's import annotations ask to fill meets the
// policies as the DataVolume asking for the same import would. Its webhook is registered with a
// match condition on those annotations, so that other claims never reach the webhooks.
import {
  ANN_ENDPOINT,
  ANN_SOURCE,
  importClaimSubject,
  isImportClaim,
  type PersistentVolumeClaim,
} from "../../api/mod.ts";
import { withPolicies } from "../policy/admission.ts";
import type { ReviewContext, Verdict } from "../review.ts";

/** What an update could change about a claim's import: its source, endpoint and class. */
function importOf(object: unknown): unknown[] {
  const claim = (object ?? {}) as PersistentVolumeClaim;
  const annotations = claim.metadata?.annotations ?? {};
  return [annotations[ANN_ENDPOINT], annotations[ANN_SOURCE], claim.spec?.storageClassName];
}

/** Judges a claim's import on CREATE, and on UPDATE when the import it asks for changed. */
export function validateImportClaim(ctx: ReviewContext): Verdict {
  const claim = ctx.object as PersistentVolumeClaim;
  if (!isImportClaim(claim)) return { allowed: true };
  if (ctx.operation === "UPDATE") {
    const [before, after] = [importOf(ctx.oldObject), importOf(ctx.object)];
    if (before.every((value, i) => value === after[i])) return { allowed: true };
  }
  return withPolicies(ctx, importClaimSubject(claim), []);
}
