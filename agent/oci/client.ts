/**
 * A pull-only OCI distribution client: resolves an image to its linux/amd64 manifest and
 * streams blobs checked against their digests.
 */
import type { RegistryCredentials } from "./auth.ts";
import { digestOf, verifying } from "./digest.ts";
import { retryable, terminal } from "./errors.ts";
import { readLimited } from "./http.ts";
import { type Descriptor, DIGEST, linuxAmd64Of, type Manifest, parseManifest } from "./manifest.ts";
import { MANIFEST_ACCEPT } from "./media_types.ts";
import { formatImageReference, type ImageReference } from "./reference.ts";
import { RegistrySession } from "./session.ts";
import { createTransport, type Transport } from "./transport.ts";

export type { RegistryCredentials } from "./auth.ts";
export type { Descriptor, Platform } from "./manifest.ts";

/** How to reach registries. */
export interface RegistryOptions {
  credentials?: (registry: string) => RegistryCredentials | undefined;
  /** Registries (host[:port]) that may be used over plain HTTP or with an untrusted certificate. */
  insecure?: (registry: string) => boolean;
  /** Extra PEM CA certificates to trust (a DataVolume's certConfigMap). */
  caCerts?: string[];
  /** Aborts every request of this client. */
  signal?: AbortSignal;
  /** A request whose answer stalls this long fails, retryably (default 60 s). */
  idleTimeoutMs?: number;
}

/** The manifest an image reference resolved to, for linux/amd64. */
export interface ResolvedImage {
  reference: ImageReference;
  /** Digest of the manifest chosen (not of the index it came from). */
  digest: string;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** Manifests larger than this are refused (the distribution spec's suggested limit). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Indexes pointing at indexes are followed this deep. */
const MAX_INDEX_DEPTH = 2;

/**
 * Pulls from OCI registries. It remembers what it learns of each registry (scheme, challenge,
 * tokens) for its lifetime: make one per set of options, and close it when done.
 */
export class RegistryClient {
  readonly #options: RegistryOptions;
  readonly #transport: Transport;
  readonly #sessions = new Map<string, RegistrySession>();

  constructor(options: RegistryOptions) {
    this.#options = options;
    this.#transport = createTransport(options.caCerts ?? []);
  }

  /** The image's manifest for linux/amd64 (through an index or manifest list). */
  async resolve(ref: ImageReference, signal?: AbortSignal): Promise<ResolvedImage> {
    const where = `Cannot pull image ${formatImageReference(ref)}`;
    const both = this.#signal(signal);
    let { manifest, digest } = await this.#manifest(
      ref,
      ref.digest ?? ref.tag ?? "latest",
      both,
      where,
    );
    for (let depth = 0; manifest.kind === "index"; depth++) {
      if (depth === MAX_INDEX_DEPTH) {
        throw terminal("UnsupportedManifest", `${where}: indexes are nested too deep`);
      }
      const chosen = linuxAmd64Of(manifest.manifests, where);
      ({ manifest, digest } = await this.#manifest(ref, chosen.digest, both, where));
    }
    const { mediaType, config, layers } = manifest;
    return { reference: ref, digest, mediaType, config, layers };
  }

  /**
   * A blob's bytes as a stream, verified while streaming: the stream errors with DigestMismatch
   * (at the end, or as soon as it is longer than the descriptor's size) when it does not match.
   */
  async blob(
    ref: ImageReference,
    descriptor: Descriptor,
    signal?: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const where = `Cannot pull image ${formatImageReference(ref)}`;
    if (!DIGEST.test(descriptor.digest)) {
      throw terminal(
        "UnsupportedManifest",
        `${where}: blob digest ${descriptor.digest} is not valid`,
      );
    }
    const both = this.#signal(signal);
    const session = await this.#session(ref, both, where);
    const path = `/v2/${ref.repository}/blobs/${descriptor.digest}`;
    const answer = await session.get(ref.repository, path, undefined, both, where, "ImageNotFound");
    return answer.body!.pipeThrough(verifying(descriptor, where));
  }

  /** Frees the client's HTTP connections; the client cannot be used afterwards. */
  close(): void {
    this.#transport.close();
  }

  async #manifest(ref: ImageReference, reference: string, signal: AbortSignal, where: string) {
    const session = await this.#session(ref, signal, where);
    const answer = await session.get(
      ref.repository,
      `/v2/${ref.repository}/manifests/${reference}`,
      MANIFEST_ACCEPT.join(", "),
      signal,
      where,
      "ImageNotFound",
    );
    const bytes = await readLimited(answer, MAX_MANIFEST_BYTES, where, "the manifest");
    // By digest, the bytes must match it; by tag, the registry's digest header, if it sent one.
    const header = answer.headers.get("docker-content-digest")?.trim();
    const expected = DIGEST.test(reference)
      ? reference
      : header && DIGEST.test(header)
      ? header
      : undefined;
    const digest = digestOf(bytes, expected);
    if (expected !== undefined && digest !== expected) {
      const named = DIGEST.test(reference) ? "" : " (as the registry's Docker-Content-Digest says)";
      throw retryable(
        "DigestMismatch",
        `${where}: the manifest ${expected}${named} arrived with the digest ${digest}`,
      );
    }
    const manifest: Manifest = parseManifest(bytes, answer.headers.get("content-type"), where);
    return { manifest, digest };
  }

  async #session(ref: ImageReference, signal: AbortSignal, where: string) {
    const known = this.#sessions.get(ref.registry);
    if (known) return known;
    const insecure = this.#options.insecure ?? (() => false);
    const credentials = this.#options.credentials?.(ref.registry);
    const session = await RegistrySession.open(
      ref.registry,
      {
        transport: this.#transport,
        insecure,
        idleTimeoutMs: this.#options.idleTimeoutMs ?? 60_000,
        ...(credentials ? { credentials } : {}),
      },
      signal,
      where,
    );
    this.#sessions.set(ref.registry, session);
    return session;
  }

  #signal(signal: AbortSignal | undefined): AbortSignal {
    const signals = [this.#options.signal, signal].filter((s) => s !== undefined);
    return signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals);
  }
}
