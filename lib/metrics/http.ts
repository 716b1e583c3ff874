/** `/metrics`: a Registry's scrape as an HTTP answer, for any of the roles' servers. */
import type { Registry } from "./registry.ts";
import { TEXT_FORMAT_CONTENT_TYPE } from "./text_format.ts";

export const METRICS_PATH = "/metrics";

/** Answers GET /metrics from `registry`; undefined for any other path (the next route's). */
export function metricsRoute(
  registry: Registry,
  onError?: (error: unknown) => void,
): (request: Request) => Promise<Response> | undefined {
  return (request) => {
    if (new URL(request.url).pathname !== METRICS_PATH) return undefined;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return Promise.resolve(new Response("method not allowed\n", { status: 405 }));
    }
    return registry.render(onError).then((text) =>
      new Response(request.method === "HEAD" ? null : text, {
        headers: { "content-type": TEXT_FORMAT_CONTENT_TYPE },
      })
    );
  };
}
