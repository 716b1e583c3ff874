// The webhook server's Hono app: one sub-app per admitted resource, each with a mutating and a
// validating AdmissionReview v1 endpoint (`/virtualmachines/mutate`, `/virtualmachines/validate`,
// ...), plus /healthz and /readyz. Importing this starts nothing.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { timeout } from "hono/timeout";
import { dropNulls } from "../api/mod.ts";
import { messageOf } from "../lib/errors.ts";
import { type ReadinessCheck, readyzResponse } from "../lib/http/readiness.ts";
import {
  type AdmissionRequest,
  admissionResponse,
  failureStatus,
  isNotAReview,
  parseAdmissionReview,
} from "./admission.ts";
import { diff, isPlainObject, type JsonPatchOperation } from "./json_patch.ts";
import { ADMITTED_KINDS, type AdmittedKind, type MutationContext } from "./kinds.ts";
import type { EvictionLookups } from "./eviction.ts";
import { evictionApp } from "./eviction_app.ts";
import {
  DEFAULT_CONFIG,
  type Lookups,
  specChanged,
  type Verdict,
  type WebhookConfig,
} from "./review.ts";

/** Two objects of etcd's 1.5 MiB (object and oldObject of an UPDATE) and the envelope. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Webhooks are registered with timeoutSeconds: 5; answer well before the API server gives up. */
export const HANDLER_TIMEOUT_MS = 4_000;
/** How long validators may wait on lookups before the request is refused as timed out. */
export const CHECK_DEADLINE_MS = 3_000;

export type Endpoint = "mutate" | "validate";

/** One line of the request log. */
export interface ReviewLogEntry {
  uid: string;
  kind: string;
  resource: string;
  endpoint: Endpoint;
  operation: string;
  namespace: string;
  name: string;
  allowed: boolean;
  patchOps: number;
  ms: number;
  error?: string;
}

export interface WebhookAppOptions {
  lookups: Lookups;
  /** What the pods/eviction webhook (`/evictions/validate`) reads and writes; none: no endpoint. */
  evictions?: EvictionLookups;
  config?: Partial<WebhookConfig>;
  maxBodyBytes?: number;
  handlerTimeoutMs?: number;
  checkDeadlineMs?: number;
  newUuid?: () => string;
  /** Called once per answered AdmissionReview (the server logs it). */
  onReview?: (entry: ReviewLogEntry) => void;
  /** Why /readyz answers 503; ready when absent. */
  notReadyReason?: ReadinessCheck;
}

/** The webhook app; serve it with `Deno.serve(app.fetch)` or call `app.request()` in tests. */
export function webhookApp(options: WebhookAppOptions): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", () => readyzResponse(options.notReadyReason));
  for (const kind of ADMITTED_KINDS) app.route(`/${kind.plural}`, kindApp(kind, options));
  if (options.evictions) {
    const onReview = options.onReview;
    app.route(
      "/evictions",
      evictionApp(options.evictions, options.maxBodyBytes ?? MAX_BODY_BYTES, (entry) =>
        onReview?.({
          ...entry,
          kind: "Eviction",
          resource: "pods/eviction",
          endpoint: "validate",
          operation: "CREATE",
          patchOps: 0,
        })),
    );
  }
  app.notFound((c) =>
    c.json(failureStatus(404, `No such endpoint: ${c.req.method} ${c.req.path}`), 404)
  );
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    options.onReview?.({
      uid: "",
      kind: "",
      resource: "",
      endpoint: "validate",
      operation: "",
      namespace: "",
      name: "",
      allowed: false,
      patchOps: 0,
      ms: 0,
      error: messageOf(error),
    });
    return c.json(failureStatus(500, `Internal error: ${messageOf(error)}`), 500);
  });
  return app;
}

function kindApp(kind: AdmittedKind, options: WebhookAppOptions): Hono {
  const maxBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const sub = new Hono();
  sub.use(
    "*",
    timeout(
      options.handlerTimeoutMs ?? HANDLER_TIMEOUT_MS,
      () =>
        new HTTPException(504, {
          res: Response.json(failureStatus(504, "The webhook did not answer in time"), {
            status: 504,
          }),
        }),
    ),
  );
  sub.use(
    "*",
    bodyLimit({
      maxSize: maxBytes,
      onError: (c) =>
        c.json(failureStatus(413, `Request body is larger than ${maxBytes} bytes`), 413),
    }),
  );
  sub.post("/mutate", (c) => admit(c, kind, "mutate", options));
  sub.post("/validate", (c) => admit(c, kind, "validate", options));
  return sub;
}

async function admit(
  c: Context,
  kind: AdmittedKind,
  endpoint: Endpoint,
  options: WebhookAppOptions,
) {
  const started = performance.now();
  const request = parseAdmissionReview(await c.req.text());
  if (isNotAReview(request)) return c.json(failureStatus(400, request.message), 400);
  let verdict: Verdict;
  let patch: JsonPatchOperation[] = [];
  let error: string | undefined;
  try {
    ({ verdict, patch } = await answer(request, kind, endpoint, options));
  } catch (thrown) {
    // A bug of ours must not take the server down nor pass an unchecked object.
    error = messageOf(thrown);
    verdict = {
      allowed: false,
      code: 500,
      message: `Internal error while admitting the object: ${error}`,
    };
    patch = [];
  }
  options.onReview?.({
    uid: request.uid,
    kind: kind.kind,
    resource: kind.plural,
    endpoint,
    operation: request.operation,
    namespace: request.namespace,
    name: request.name,
    allowed: verdict.allowed,
    patchOps: patch.length,
    ms: Math.round((performance.now() - started) * 100) / 100,
    ...(error ? { error } : {}),
  });
  return c.json(admissionResponse(request.uid, verdict, patch));
}

async function answer(
  request: AdmissionRequest,
  kind: AdmittedKind,
  endpoint: Endpoint,
  options: WebhookAppOptions,
): Promise<{ verdict: Verdict; patch: JsonPatchOperation[] }> {
  const none: JsonPatchOperation[] = [];
  const { group, resource } = request.resource;
  if (group !== kind.group || resource !== kind.plural || request.subResource !== "") {
    const got = `${resource}${request.subResource ? `/${request.subResource}` : ""}.${group}`;
    return {
      verdict: {
        allowed: false,
        code: 400,
        message: `This endpoint admits ${kind.plural}.${kind.group}, not ${got}`,
      },
      patch: none,
    };
  }
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") {
    return { verdict: { allowed: true }, patch: none };
  }
  if (!isPlainObject(request.object)) {
    return {
      verdict: { allowed: false, code: 400, message: "request.object: must be an object" },
      patch: none,
    };
  }
  if (request.operation === "UPDATE" && !isPlainObject(request.oldObject)) {
    return {
      verdict: {
        allowed: false,
        code: 400,
        message: "request.oldObject: must be an object on UPDATE",
      },
      patch: none,
    };
  }
  const ctx: MutationContext = {
    operation: request.operation,
    object: request.object,
    oldObject: request.oldObject,
    namespace: request.namespace,
    name: request.name,
    username: request.username,
    dryRun: request.dryRun,
    lookups: options.lookups,
    config: { ...DEFAULT_CONFIG, ...options.config },
    newUuid: options.newUuid ?? (() => crypto.randomUUID()),
  };
  if (endpoint === "mutate") return mutate(kind, ctx);
  return {
    verdict: await withDeadline(kind.validate(ctx), options.checkDeadlineMs ?? CHECK_DEADLINE_MS),
    patch: none,
  };
}

/**
 * Runs the kind's defaults on a copy and diffs it into a JSON Patch. An object the schema refuses
 * is left alone: the validating webhook refuses it with every reason.
 */
function mutate(
  kind: AdmittedKind,
  ctx: MutationContext,
): { verdict: Verdict; patch: JsonPatchOperation[] } {
  // An UPDATE that leaves the spec alone (finalizers, labels) is not the time to default it: a
  // stored object that predates the webhooks would change under a controller's feet.
  if (ctx.operation === "UPDATE" && !specChanged(ctx)) {
    return { verdict: { allowed: true }, patch: [] };
  }
  const original = dropNulls(ctx.object) as Record<string, unknown>;
  const edited = structuredClone(original);
  const warnings = kind.prepare?.(edited, ctx) ?? [];
  if (kind.mutate && kind.schema.safeParse(edited).success) {
    warnings.push(...(kind.mutate(edited as never, ctx) ?? []));
  }
  const verdict: Verdict = warnings.length > 0 ? { allowed: true, warnings } : { allowed: true };
  // The patch is applied to the object as sent; it differs from `original` only by null
  // members, and every path the diff touches exists (or is added whole) in both.
  return { verdict, patch: diff(original, edited) };
}

async function withDeadline(verdict: Verdict | Promise<Verdict>, ms: number): Promise<Verdict> {
  if (!(verdict instanceof Promise)) return verdict;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Verdict>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          allowed: false,
          code: 504,
          message: `The admission checks did not finish within ${ms} ms`,
        }),
      ms,
    );
  });
  try {
    return await Promise.race([verdict, late]);
  } finally {
    clearTimeout(timer);
  }
}
