// The place patterns of policy rules: `host[:port][/repo-prefix]` for image registries and
// `host[:port]` for import hosts, with `*` as a port or path wildcard.
import { type ImageReference, parseImageReference } from "./image_reference.ts";

/** Why a pattern is malformed, or undefined when it is fine. */
export function patternProblem(pattern: string, withPath: boolean): string | undefined {
  if (pattern === "" || /\s/.test(pattern)) return "must be a non-empty pattern without spaces";
  const [host, path] = splitPattern(pattern);
  if (!withPath && path !== undefined) return "must be host[:port], without a path";
  if (!/^[a-zA-Z0-9.-]+(:([0-9]{1,5}|\*))?$/.test(host)) {
    return "must start with host[:port], where the port may be *";
  }
  if (path !== undefined && !/^([a-z0-9._-]+\/)*([a-z0-9._-]+|\*)$/.test(path)) {
    return "must have a path of lowercase repository components, ending in * at most";
  }
  return undefined;
}

function splitPattern(pattern: string): [string, string | undefined] {
  const slash = pattern.indexOf("/");
  return slash < 0 ? [pattern, undefined] : [pattern.slice(0, slash), pattern.slice(slash + 1)];
}

/** Whether `hostPort` (`host` or `host:port`) matches `pattern` (`host`, `host:port`, `host:*`). */
export function hostMatches(pattern: string, hostPort: string): boolean {
  const [wantHost, wantPort] = pattern.toLowerCase().split(":") as [string, string | undefined];
  const [host, port] = hostPort.toLowerCase().split(":") as [string, string | undefined];
  if (wantHost !== host) return false;
  return wantPort === "*" || wantPort === port;
}

/** Whether the image `reference` comes from a place `pattern` allows. */
export function imageMatches(pattern: string, reference: ImageReference): boolean {
  const [host, path] = splitPattern(pattern);
  if (!hostMatches(host, reference.registry)) return false;
  if (path === undefined || path === "*") return true;
  if (path.endsWith("/*")) return reference.repository.startsWith(path.slice(0, -1));
  return reference.repository === path || reference.repository.startsWith(`${path}/`);
}

/** Whether `image` parses and comes from one of `patterns`; an unparsable image is not allowed. */
export function imageAllowed(patterns: readonly string[], image: string): boolean {
  let reference: ImageReference;
  try {
    reference = parseImageReference(image);
  } catch {
    return false;
  }
  return patterns.some((pattern) => imageMatches(pattern, reference));
}

/** The `host[:port]` of an http(s) URL, or undefined when it is not one. */
export function urlHost(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.host : undefined;
  } catch {
    return undefined;
  }
}

/** Why a directory of `allowedHostDiskDirs` is malformed, or undefined when it is fine. */
export function directoryProblem(dir: string): string | undefined {
  if (!dir.startsWith("/")) return "must be an absolute directory";
  if (dir.split("/").some((part) => part === "." || part === "..")) {
    return 'must not contain "." or ".." segments';
  }
  return undefined;
}

/** Whether `path` names something inside `dir` (not `dir` itself). */
export function insideDirectory(dir: string, path: string): boolean {
  const base = dir.replace(/\/+$/, "");
  return path.startsWith(`${base}/`) && path.length > base.length + 1;
}
