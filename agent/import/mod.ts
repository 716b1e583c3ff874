/** The agent's disk import engine: http(s), registry, blank and clone sources into a raw `disk.img`. */
export { runImport } from "./engine.ts";
export { DEFAULT_IDLE_TIMEOUT_MS } from "./http_body.ts";
export { redactUrl } from "./redact.ts";
export {
  ImportError,
  type ImportProgress,
  type ImportRequest,
  type ImportResult,
  type ImportSource,
} from "./types.ts";
