/**
 * Registry credentials from an imagePullSecret: a `kubernetes.io/dockerconfigjson` Secret (or
 * the older `kubernetes.io/dockercfg`), as kubelet reads it: `auths` keyed by registry, each
 * with `auth` (base64 `user:password`) or `username`/`password`.
 */
import { decodeBase64 } from "../../lib/base64.ts";

export interface Credentials {
  username: string;
  password: string;
}

/** A Secret that is not a usable pull secret; the message names what is wrong, never a value. */
export class PullSecretError extends Error {
  override name = "PullSecretError";
}

/** The credentials a pull secret's `data` gives per registry host (`host[:port]`). */
export function credentialsOfPullSecret(
  name: string,
  data: Record<string, string>,
): Map<string, Credentials> {
  const text = data[".dockerconfigjson"] ?? data[".dockercfg"];
  if (text === undefined) {
    throw new PullSecretError(
      `Secret ${name} has neither .dockerconfigjson nor .dockercfg: it is not an image pull secret`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(decodeBase64(text)));
  } catch {
    throw new PullSecretError(`Secret ${name} does not hold valid JSON registry credentials`);
  }
  const root = parsed as { auths?: Record<string, unknown> } & Record<string, unknown>;
  const auths = (data[".dockerconfigjson"] !== undefined ? root.auths : root) ?? {};
  const found = new Map<string, Credentials>();
  for (const [key, value] of Object.entries(auths)) {
    const entry = value as { auth?: string; username?: string; password?: string };
    const credentials = entry.auth
      ? fromAuth(entry.auth)
      : entry.username !== undefined
      ? { username: entry.username, password: entry.password ?? "" }
      : undefined;
    if (credentials) found.set(registryOfKey(key), credentials);
  }
  return found;
}

/** `user:password` from base64, or undefined when it is not that. */
function fromAuth(auth: string): Credentials | undefined {
  try {
    const text = new TextDecoder().decode(decodeBase64(auth));
    const colon = text.indexOf(":");
    return colon < 0
      ? undefined
      : { username: text.slice(0, colon), password: text.slice(colon + 1) };
  } catch {
    return undefined;
  }
}

/**
 * The registry host of an `auths` key, which may be a host, a host with a path, or a URL
 * (`https://index.docker.io/v1/` is Docker Hub).
 */
export function registryOfKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, "").split("/")[0]!.toLowerCase();
  return host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
}
