/** The JSON body of a subresource request (StartOptions, MigrateOptions, ...), read leniently. */
import { badRequest } from "../lib/http/status.ts";

/** The body's fields (`{}` when there is none or it is not an object); malformed JSON is a 400. */
export function optionsBodyOf(body: string): Record<string, unknown> {
  if (!body.trim()) return {};
  try {
    const parsed = JSON.parse(body);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  } catch (error) {
    throw badRequest(
      `Can not unmarshal Request body to struct, error: ${(error as Error).message}`,
    );
  }
}

/** Whether the options ask for a dry run: `dryRun: ["All"]` as KubeVirt's, or `true`. */
export function isDryRun(raw: Record<string, unknown>): boolean {
  return Array.isArray(raw.dryRun) ? raw.dryRun.includes("All") : raw.dryRun === true;
}
