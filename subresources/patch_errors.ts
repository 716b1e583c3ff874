/**
 * A failed patch of a subresource call as virt-api answers it: the API server's refusal turned
 * into the Status a KubeVirt client expects (conflict, not found, the VMI's admission refusal or
 * an internal error). Pure.
 */
import { ApiError } from "../lib/kube/api_error.ts";
import { messageOf } from "../lib/errors.ts";
import { conflict, internal, notFound, StatusError } from "../lib/http/status.ts";
import type { PatchStep } from "./lifecycle.ts";

/**
 * A failed volume patch as virt-api reports it: a failed test is a conflict, the VMI's admission
 * refusal passes through as the API server said it, anything else is an internal error.
 */
export function volumePatchError(error: unknown, step: PatchStep, name: string): StatusError {
  if (error instanceof ApiError) {
    const testFailed = error.status === 409 ||
      /test operation|testing value/i.test(error.body?.message ?? error.message);
    if (testFailed || error.status === 404) return patchError(error, step, name);
    if (step.target === "vmi" && error.status === 422 && error.body) {
      return new StatusError({ ...error.body, code: 422 });
    }
    const what = step.target === "vmi" ? "vmi" : "vm status";
    return internal(`unable to patch ${what}: ${error.body?.message ?? error.message}`);
  }
  return patchError(error, step, name);
}

/** A failed patch as KubeVirt reports it: a failed test is a conflict (someone else changed it). */
export function patchError(error: unknown, step: PatchStep, name: string): StatusError {
  if (error instanceof StatusError) return error;
  if (error instanceof ApiError) {
    const resource = step.target === "vmi" ? "virtualmachineinstance" : "virtualmachine";
    if (error.status === 404) return notFound(resource, name);
    if (
      error.status === 409 || error.status === 422 ||
      /test operation|testing value/i.test(error.message)
    ) {
      return conflict(
        resource,
        name,
        `the object changed meanwhile, try again: ${error.body?.message ?? error.message}`,
      );
    }
  }
  return internal(messageOf(error));
}
