// Admitting an object as kube-apiserver does: the mutating webhook, its patch, then the
// validating webhook on the patched object.
import type { Hono } from "hono";
import { decodeBase64 } from "../../lib/base64.ts";
import { applyPatch, type JsonPatchOperation } from "../json_patch.ts";
import { pluralOf, post, reviewOf, type ReviewOptions } from "./reviews.ts";

// deno-lint-ignore no-explicit-any
export type Answer = { response: Record<string, any> };

export interface Admission {
  mutated: unknown;
  patch: JsonPatchOperation[];
  mutation: Answer;
  validation: Answer;
}

/** The JSON Patch of a mutating answer ([] when none). */
export function patchOf(answer: Answer): JsonPatchOperation[] {
  const patch = answer.response.patch;
  if (patch === undefined) return [];
  return JSON.parse(new TextDecoder().decode(decodeBase64(patch)));
}

/** POSTs an AdmissionReview to `path` and returns the parsed answer (asserting HTTP 200). */
export async function call(app: Hono, path: string, review: unknown): Promise<Answer> {
  const response = await app.request(path, post(review));
  if (response.status !== 200) {
    throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  }
  return await response.json();
}

/** Mutates, applies the patch, validates. */
export async function admit(
  app: Hono,
  object: unknown,
  options: ReviewOptions = {},
): Promise<Admission> {
  const plural = options.plural ?? pluralOf(object);
  const mutation = await call(app, `/${plural}/mutate`, reviewOf(object, options));
  const patch = patchOf(mutation);
  const mutated = applyPatch(object, patch);
  const validation = await call(app, `/${plural}/validate`, reviewOf(mutated, options));
  return { mutated, patch, mutation, validation };
}
