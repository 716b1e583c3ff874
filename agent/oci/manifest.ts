/** Manifests and indexes read from their bytes, checked, and the linux/amd64 entry of an index. */
import { terminal } from "./errors.ts";
import {
  DOCKER_SCHEMA1,
  isImageType,
  isIndexType,
  MANIFEST_ACCEPT,
  OCI_INDEX,
  OCI_MANIFEST,
} from "./media_types.ts";

/** The platform an index entry is built for. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** A reference to content by digest, as manifests and indexes hold them. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

/** A parsed manifest: a list of per-platform manifests, or one image's config and layers. */
export type Manifest =
  | { kind: "index"; mediaType: string; manifests: Descriptor[] }
  | { kind: "image"; mediaType: string; config: Descriptor; layers: Descriptor[] };

/** The digests this client can verify. */
export const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** Content types that say nothing about the manifest's kind. */
const GENERIC = new Set(["", "application/json", "text/plain", "application/octet-stream"]);

/** Reads a manifest; `where` starts every message. Throws UnsupportedManifest. */
export function parseManifest(bytes: Uint8Array, contentType: string | null, where: string) {
  const unsupported = (why: string) => terminal("UnsupportedManifest", `${where}: ${why}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw unsupported("the manifest is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw unsupported("the manifest is not a JSON object");
  }
  const mediaType = mediaTypeOf(body, contentType);
  if (DOCKER_SCHEMA1.includes(mediaType)) {
    throw unsupported(
      "the registry serves a Docker schema 1 manifest, which is not supported: push the image " +
        "again as a Docker schema 2 or OCI image",
    );
  }
  const descriptor = (value: unknown, path: string): Descriptor => {
    const problem = descriptorProblem(value);
    if (problem) throw unsupported(`the manifest's ${path} is not a valid descriptor: ${problem}`);
    const { mediaType, digest, size, platform } = value as Descriptor;
    return { mediaType, digest, size, ...(platform ? { platform: platformOf(platform) } : {}) };
  };
  const list = (value: unknown, path: string) => {
    if (!Array.isArray(value)) throw unsupported(`the manifest has no ${path} list`);
    return value.map((item, i) => descriptor(item, `${path}[${i}]`));
  };
  if (isIndexType(mediaType)) {
    return { kind: "index", mediaType, manifests: list(body.manifests, "manifests") } as const;
  }
  if (isImageType(mediaType)) {
    return {
      kind: "image",
      mediaType,
      config: descriptor(body.config, "config"),
      layers: list(body.layers, "layers"),
    } as const;
  }
  throw unsupported(
    `the manifest's media type ${JSON.stringify(mediaType)} is not supported ` +
      `(supported: ${MANIFEST_ACCEPT.join(", ")})`,
  );
}

/** The body's own mediaType, else the Content-Type, else what its shape says (OCI allows both). */
function mediaTypeOf(body: Record<string, unknown>, contentType: string | null): string {
  if (body.schemaVersion === 1) return DOCKER_SCHEMA1[0]!;
  if (typeof body.mediaType === "string" && body.mediaType !== "") return body.mediaType;
  const header = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (!GENERIC.has(header)) return header;
  if (Array.isArray(body.manifests)) return OCI_INDEX;
  if (body.config !== undefined && Array.isArray(body.layers)) return OCI_MANIFEST;
  return header;
}

function descriptorProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "it is not an object";
  const { mediaType, digest, size } = value as Record<string, unknown>;
  if (typeof mediaType !== "string") return "it has no mediaType";
  if (typeof digest !== "string" || !DIGEST.test(digest)) {
    return `digest ${JSON.stringify(digest)} is not sha256 or sha512 in hex`;
  }
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    return `size ${JSON.stringify(size)} is not a byte count`;
  }
  return undefined;
}

function platformOf(value: unknown): Platform {
  const { os, architecture, variant } = value as Record<string, unknown>;
  return {
    os: typeof os === "string" ? os : "",
    architecture: typeof architecture === "string" ? architecture : "",
    ...(typeof variant === "string" && variant !== "" ? { variant } : {}),
  };
}

/**
 * The index's linux/amd64 entry: the first without a variant (or v1), else the first of any
 * amd64 variant. Throws NoPlatform listing the platforms the index has.
 */
export function linuxAmd64Of(manifests: Descriptor[], where: string): Descriptor {
  const amd64 = manifests.filter((m) =>
    m.platform?.os === "linux" && m.platform.architecture === "amd64"
  );
  const plain = amd64.find((m) => m.platform?.variant === undefined || m.platform.variant === "v1");
  const chosen = plain ?? amd64[0];
  if (chosen) return chosen;
  const platforms = [
    ...new Set(
      manifests.map(({ platform: p }) =>
        p ? [p.os, p.architecture, p.variant].filter(Boolean).join("/") : "unknown"
      ),
    ),
  ];
  throw terminal(
    "NoPlatform",
    `${where}: the image has no linux/amd64 manifest (it has ${platforms.join(", ") || "none"})`,
  );
}
