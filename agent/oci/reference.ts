/**
 * Image references for the client: parsed by api/image_reference.ts (a refusal becomes the
 * OciError "InvalidImageName"), and the host that serves a registry's API.
 */
import {
  DOCKER_HUB,
  formatImageReference,
  type ImageReference,
  ImageReferenceError,
  parseImageReference as parse,
} from "../../api/image_reference.ts";
import { terminal } from "./errors.ts";

export { DOCKER_HUB, formatImageReference, type ImageReference };

const DOCKER_HUB_API = "registry-1.docker.io";

/** Parses an image reference; throws a terminal OciError "InvalidImageName" naming the problem. */
export function parseImageReference(text: string): ImageReference {
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof ImageReferenceError) throw terminal("InvalidImageName", error.message);
    throw error;
  }
}

/** The `host[:port]` that serves a registry's API. */
export function apiHostOf(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** Whether `url` is on the registry's API host; a registry without a port uses the default one. */
export function isApiUrlOf(url: URL, registry: string): boolean {
  const [, hostname, port] = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(apiHostOf(registry)) ?? [];
  if (url.hostname.toLowerCase() !== hostname?.toLowerCase()) return false;
  const defaultPort = url.protocol === "https:" ? "443" : "80";
  return port === undefined ? url.port === "" : (url.port || defaultPort) === port;
}
