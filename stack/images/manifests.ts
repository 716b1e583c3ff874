/**
 * The JSON documents of a one-layer image: its config, an OCI manifest, a Docker schema2
 * manifest, an OCI index and a Docker manifest list over them. Pure: bytes in, bytes out.
 */
import { createHash } from "node:crypto";
import * as media from "./media_types.ts";

export interface Platform {
  architecture: string;
  os: string;
}

/** What KubeVirt's nodes pull and this project's guests are built for. */
export const LINUX_AMD64: Platform = { architecture: "amd64", os: "linux" };

/** An OCI content descriptor (Docker's manifests use the same fields). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** A JSON document as the exact bytes that are stored and hashed, with its descriptor. */
export interface JsonBlob {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

/** A layer blob as the manifests see it. */
export interface LayerRef {
  digest: string;
  size: number;
  diffId: string;
}

/** Everything but the layer of a one-layer image, in every form this project publishes. */
export interface ImageDocuments {
  config: JsonBlob;
  ociManifest: JsonBlob;
  dockerManifest: JsonBlob;
  ociIndex: JsonBlob;
  dockerManifestList: JsonBlob;
}

/** `sha256:<hex>` of bytes. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Serialise a JSON value (keys in the order given) and describe it. */
export function jsonBlob(mediaType: string, value: unknown): JsonBlob {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return { bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length } };
}

/** The image config: platform and the layers' diff_ids; no entrypoint, a disk image runs nothing. */
export function imageConfigOf(diffIds: string[], platform: Platform = LINUX_AMD64) {
  return {
    architecture: platform.architecture,
    os: platform.os,
    config: {},
    rootfs: { type: "layers", diff_ids: diffIds },
    history: [{ created_by: "denovirt: containerDisk layer" }],
  };
}

/** The documents of an image whose only layer is `layer`. */
export function imageDocumentsOf(
  layer: LayerRef,
  platform: Platform = LINUX_AMD64,
): ImageDocuments {
  const configValue = imageConfigOf([layer.diffId], platform);
  const config = jsonBlob(media.OCI_CONFIG, configValue);
  const blobRef = (mediaType: string, d: { digest: string; size: number }) => ({
    mediaType,
    digest: d.digest,
    size: d.size,
  });
  const ociManifest = jsonBlob(media.OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: media.OCI_MANIFEST,
    config: blobRef(media.OCI_CONFIG, config.descriptor),
    layers: [blobRef(media.OCI_LAYER_GZIP, layer)],
  });
  const dockerManifest = jsonBlob(media.DOCKER_MANIFEST, {
    schemaVersion: 2,
    mediaType: media.DOCKER_MANIFEST,
    config: blobRef(media.DOCKER_CONFIG, config.descriptor),
    layers: [blobRef(media.DOCKER_LAYER_GZIP, layer)],
  });
  const ociIndex = jsonBlob(media.OCI_INDEX, {
    schemaVersion: 2,
    mediaType: media.OCI_INDEX,
    manifests: [{ ...ociManifest.descriptor, platform }],
  });
  const dockerManifestList = jsonBlob(media.DOCKER_MANIFEST_LIST, {
    schemaVersion: 2,
    mediaType: media.DOCKER_MANIFEST_LIST,
    manifests: [{ ...dockerManifest.descriptor, platform }],
  });
  return { config, ociManifest, dockerManifest, ociIndex, dockerManifestList };
}

/** An OCI layout's index.json naming one manifest as `refName`. */
export function layoutIndexOf(manifest: Descriptor, refName: string) {
  return {
    schemaVersion: 2,
    mediaType: media.OCI_INDEX,
    manifests: [{ ...manifest, annotations: { [media.REF_NAME_ANNOTATION]: refName } }],
  };
}
