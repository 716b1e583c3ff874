// The endpoint of the pods/eviction webhook: `/evictions/validate`, an AdmissionReview in, the
// verdict of `eviction.ts` out. The request's own checks come first: only pods/eviction CREATE.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { messageOf } from "../lib/errors.ts";
import {
  admissionResponse,
  failureStatus,
  isNotAReview,
  parseAdmissionReview,
} from "./admission.ts";
import { type EvictionLookups, evictionVerdict } from "./eviction.ts";
import type { Verdict } from "./review.ts";

/** The evictions sub-app; `onReview` hears of each answer (allowed, milliseconds, error). */
export function evictionApp(
  lookups: EvictionLookups,
  maxBodyBytes: number,
  onReview?: (
    entry: {
      uid: string;
      namespace: string;
      name: string;
      allowed: boolean;
      ms: number;
      error?: string;
    },
  ) => void,
): Hono {
  const app = new Hono();
  app.use(
    "*",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        c.json(failureStatus(413, `Request body is larger than ${maxBodyBytes} bytes`), 413),
    }),
  );
  app.post("/validate", async (c: Context) => {
    const started = performance.now();
    const request = parseAdmissionReview(await c.req.text());
    if (isNotAReview(request)) return c.json(failureStatus(400, request.message), 400);
    let verdict: Verdict;
    let error: string | undefined;
    const { group, resource } = request.resource;
    if (group !== "" || resource !== "pods" || request.subResource !== "eviction") {
      verdict = {
        allowed: false,
        code: 400,
        message: `This endpoint admits pods/eviction, not ${resource}/${request.subResource}`,
      };
    } else if (request.operation !== "CREATE") verdict = { allowed: true };
    else {
      try {
        verdict = await evictionVerdict(request, lookups);
      } catch (thrown) {
        error = messageOf(thrown);
        verdict = { allowed: false, code: 429, message: `Cannot check the eviction: ${error}` };
      }
    }
    onReview?.({
      uid: request.uid,
      namespace: request.namespace,
      name: request.name,
      allowed: verdict.allowed,
      ms: Math.round((performance.now() - started) * 100) / 100,
      ...(error ? { error } : {}),
    });
    return c.json(admissionResponse(request.uid, verdict));
  });
  return app;
}
