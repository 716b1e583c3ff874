/** Failed API calls as one error type, with the Status the API server sent back. */
import type { Status } from "./object.ts";

/** An API server answer other than 2xx, or a watch ERROR event. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    message: string,
    /** The HTTP status code (or the Status `code` of a watch ERROR event). */
    readonly status: number,
    /** The Status reason: `NotFound`, `AlreadyExists`, `Conflict`, `Expired`, ... */
    readonly reason: string,
    /** Seconds the server asked us to wait (Retry-After header or Status details). */
    readonly retryAfterSeconds?: number,
    /** The Status body, when there was one. */
    readonly body?: Status,
  ) {
    super(message);
  }
}

/** The ApiError for a non-2xx response; `what` says what was attempted ("get pods default/x"). */
export async function apiErrorOf(response: Response, what: string): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  let body: Status | undefined;
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === "object" && parsed.kind === "Status") body = parsed;
  } catch {
    // Proxies and some errors answer in plain text: keep it as the message.
  }
  const header = response.headers.get("retry-after");
  const fromHeader = header !== null && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
  const detail = body?.message ?? (text.trim().slice(0, 300) || response.statusText);
  return new ApiError(
    `Cannot ${what}: ${response.status} ${body?.reason ?? response.statusText}: ${detail}`,
    response.status,
    body?.reason ?? "",
    fromHeader ?? body?.details?.retryAfterSeconds,
    body,
  );
}

/** The ApiError for a watch ERROR event's Status. */
export function apiErrorOfStatus(status: Status, what: string): ApiError {
  const code = status.code ?? 500;
  return new ApiError(
    `Cannot ${what}: ${code} ${status.reason ?? ""}: ${status.message ?? "watch error"}`,
    code,
    status.reason ?? "",
    status.details?.retryAfterSeconds,
    status,
  );
}

const hasStatus = (error: unknown, status: number): boolean =>
  error instanceof ApiError && error.status === status;

/** The object (or its namespace) does not exist. */
export const isNotFound = (error: unknown): boolean => hasStatus(error, 404);
/** A write lost a resourceVersion race (409 other than AlreadyExists). */
export const isConflict = (error: unknown): boolean =>
  hasStatus(error, 409) && (error as ApiError).reason !== "AlreadyExists";
/** A create found the name taken. */
export const isAlreadyExists = (error: unknown): boolean =>
  hasStatus(error, 409) && (error as ApiError).reason === "AlreadyExists";
/** The resourceVersion is too old (compacted): relist. */
export const isGone = (error: unknown): boolean => hasStatus(error, 410);
/** Refused as invalid (422): by validation, or by an admission webhook that says so. */
export const isInvalid = (error: unknown): boolean => hasStatus(error, 422);
/** The server is shedding load: wait `retryAfterSeconds`. */
export const isTooManyRequests = (error: unknown): boolean => hasStatus(error, 429);
