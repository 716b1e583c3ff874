// AdmissionReview v1 on the wire: checking that a request body is one, and building answers.
import { encodeBase64 } from "../lib/base64.ts";
import { isPlainObject, type JsonPatchOperation } from "./json_patch.ts";
import { type Cause, causeLine, type Operation, type Verdict } from "./review.ts";

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";
/** Deeper JSON than this is refused before parsing; real objects nest about 12 levels deep. */
export const MAX_JSON_DEPTH = 100;
/** KubeVirt shows at most this many causes, then "and N more validation errors". */
export const MAX_CAUSES = 10;

const OPERATIONS: readonly Operation[] = ["CREATE", "UPDATE", "DELETE", "CONNECT"];

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** The parts of an AdmissionRequest that denovirt reads. */
export interface AdmissionRequest {
  uid: string;
  operation: Operation;
  resource: GroupVersionResource;
  subResource: string;
  namespace: string;
  name: string;
  username: string;
  dryRun: boolean;
  object: unknown;
  oldObject: unknown;
}

/** A body that is not an AdmissionReview: the HTTP status and why. */
export interface NotAReview {
  status: 400;
  message: string;
}

/**
 * Whether `text` nests arrays and objects deeper than `max`, found by one pass over the text
 * (no recursion, so no input can exhaust the stack). Brackets inside strings do not count.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > max) return true;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The AdmissionRequest in `body`, or why `body` is not an AdmissionReview v1. */
export function parseAdmissionReview(body: string): AdmissionRequest | NotAReview {
  if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
    return notAReview(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch (error) {
    return notAReview(`Request body is not JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(review)) return notAReview("Request body is not an AdmissionReview object");
  if (review.apiVersion !== ADMISSION_API_VERSION || review.kind !== "AdmissionReview") {
    return notAReview(
      `Expected apiVersion ${ADMISSION_API_VERSION} and kind AdmissionReview, got ` +
        `${JSON.stringify(review.apiVersion)} and ${JSON.stringify(review.kind)}`,
    );
  }
  const request = review.request;
  if (!isPlainObject(request)) return notAReview("AdmissionReview has no request");
  if (typeof request.uid !== "string" || request.uid === "") {
    return notAReview("AdmissionReview request has no uid");
  }
  const operation = request.operation as Operation;
  if (!OPERATIONS.includes(operation)) {
    return notAReview(
      `AdmissionReview request has an unknown operation ${JSON.stringify(request.operation)}`,
    );
  }
  const resource = isPlainObject(request.resource) ? request.resource : {};
  const userInfo = isPlainObject(request.userInfo) ? request.userInfo : {};
  return {
    uid: request.uid,
    operation,
    resource: {
      group: stringOr(resource.group),
      version: stringOr(resource.version),
      resource: stringOr(resource.resource),
    },
    subResource: stringOr(request.subResource),
    namespace: stringOr(request.namespace),
    name: stringOr(request.name),
    username: stringOr(userInfo.username),
    dryRun: request.dryRun === true,
    object: request.object ?? null,
    oldObject: request.oldObject ?? null,
  };
}

/** Whether a parse result is a refusal to handle the body. */
export function isNotAReview(value: AdmissionRequest | NotAReview): value is NotAReview {
  return (value as NotAReview).status === 400;
}

/** The AdmissionReview answering request `uid` with `verdict` and, when allowed, `patch`. */
export function admissionResponse(
  uid: string,
  verdict: Verdict,
  patch: readonly JsonPatchOperation[] = [],
): Record<string, unknown> {
  const response: Record<string, unknown> = { uid, allowed: verdict.allowed };
  if (verdict.allowed && patch.length > 0) {
    response.patchType = "JSONPatch";
    response.patch = encodeBase64(new TextEncoder().encode(JSON.stringify(patch)));
  }
  if (!verdict.allowed) response.status = statusOf(verdict);
  if (verdict.warnings && verdict.warnings.length > 0) response.warnings = verdict.warnings;
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  504: "Timeout",
};

/** A metav1.Status like KubeVirt's: reason Invalid, code 422, every cause listed. */
function statusOf(verdict: Verdict): Record<string, unknown> {
  const code = verdict.code ?? 422;
  const causes = verdict.causes ?? [];
  let message = verdict.message ?? "Denied";
  if (causes.length > MAX_CAUSES) {
    message = causes.slice(0, MAX_CAUSES).map(causeLine).join("; ") +
      `; and ${causes.length - MAX_CAUSES} more validation errors`;
  }
  const status: Record<string, unknown> = {
    status: "Failure",
    message,
    reason: REASONS[code] ?? "Invalid",
    code,
  };
  if (causes.length > 0) status.details = { causes: causes.map(statusCause) };
  return status;
}

function statusCause(c: Cause) {
  return { type: c.type, field: c.field, message: c.message };
}

/** A metav1.Status body for a request that is not an AdmissionReview (HTTP 4xx). */
export function failureStatus(code: number, message: string): Record<string, unknown> {
  const reason = code === 413 ? "RequestEntityTooLarge" : code === 404 ? "NotFound" : "BadRequest";
  return { apiVersion: "v1", kind: "Status", status: "Failure", message, reason, code };
}

function notAReview(message: string): NotAReview {
  return { status: 400, message };
}

function stringOr(value: unknown): string {
  return typeof value === "string" ? value : "";
}
