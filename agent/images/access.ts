/**
 * Who may run on a cached image without asking its registry: the cache records, per repository,
 * whose credentials the registry accepted for the image (`anonymous` when it asked for none), as
 * Kubernetes' ensure-secret-pulled-images does. Bytes public under one name say nothing of
 * another.
 */
import { createHash } from "node:crypto";
import type { ImageReference } from "../oci/mod.ts";
import type { Credentials } from "./pull_secret.ts";
import type { ImageEntry } from "./store.ts";

const ANONYMOUS = "anonymous";

/**
 * Who asks, as far as the registry can tell: `anonymous`, or a hash of the credentials given
 * for the image's registry (never the credentials themselves: this is written to disk).
 */
export function credentialKeyOf(
  registry: string,
  credentials: ReadonlyMap<string, Credentials> | undefined,
): string {
  const given = credentials?.get(registry);
  if (!given) return ANONYMOUS;
  const hash = createHash("sha256")
    .update(`${registry}\0${given.username}\0${given.password}`)
    .digest("hex");
  return `sha256:${hash}`;
}

/** Whether `who` may run on a cached image by a name in `repository` without asking. */
export function mayUse(entry: ImageEntry, repository: string, who: string): boolean {
  const authorized = entry.meta.authorized?.[repository] ?? [];
  return authorized.includes(ANONYMOUS) || authorized.includes(who);
}

/** `registry/repository`: what the registry's answers about access are about. */
export const repositoryOf = (reference: ImageReference) =>
  `${reference.registry}/${reference.repository}`;
