/**
 * The JSON documents of the denovirt image: its config (entry point, user, labels), the OCI
 * manifest, the layout's index.json and the `docker save` manifest.json. Pure: inputs in,
 * exact bytes out, so the same inputs give the same digests.
 */
import {
  type Descriptor,
  type JsonBlob,
  jsonBlob,
  type LayerRef,
} from "../stack/images/manifests.ts";
import * as media from "../stack/images/media_types.ts";
import { ENTRY_PATH, IMAGE_USER } from "./rootfs.ts";

/** What the image says about itself (OCI annotation keys, also set as config labels). */
export interface ImageMeta {
  version: string;
  revision: string;
  source: string;
  /** RFC 3339; the commit's time, so rebuilding a commit does not change the digest. */
  created: string;
}

/** One layer with what it holds (the config's history line). */
export interface NamedLayer extends LayerRef {
  createdBy: string;
}

/** The labels every build carries. */
export function imageLabels(meta: ImageMeta): Record<string, string> {
  return {
    "org.opencontainers.image.created": meta.created,
    "org.opencontainers.image.revision": meta.revision,
    "org.opencontainers.image.source": meta.source,
    "org.opencontainers.image.title": "denovirt",
    "org.opencontainers.image.version": meta.version,
  };
}

/** The image config: `denovirt` as entry point, the unprivileged user, labels and layers. */
export function imageConfigOf(layers: NamedLayer[], meta: ImageMeta) {
  return {
    created: meta.created,
    architecture: "amd64",
    os: "linux",
    config: {
      User: `${IMAGE_USER.uid}:${IMAGE_USER.gid}`,
      Entrypoint: [ENTRY_PATH],
      Cmd: ["--help"],
      Env: [
        "PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin",
        // Deno's caches go to the writable /tmp, as the root file system may be read-only.
        "DENO_DIR=/tmp/deno",
        "DENO_NO_UPDATE_CHECK=1",
        "HOME=/tmp",
        "OPENSSL_CONF=/etc/ssl/openssl.cnf",
      ],
      WorkingDir: "/",
      Labels: imageLabels(meta),
    },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created: meta.created, created_by: l.createdBy })),
  };
}

/** The config blob and the OCI manifest over it. */
export function imageManifestOf(
  layers: NamedLayer[],
  meta: ImageMeta,
): { config: JsonBlob; manifest: JsonBlob } {
  const config = jsonBlob(media.OCI_CONFIG, imageConfigOf(layers, meta));
  const ref = (mediaType: string, d: { digest: string; size: number }) => ({
    mediaType,
    digest: d.digest,
    size: d.size,
  });
  const manifest = jsonBlob(media.OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: media.OCI_MANIFEST,
    config: ref(media.OCI_CONFIG, config.descriptor),
    layers: layers.map((l) => ref(media.OCI_LAYER_GZIP, l)),
    annotations: imageLabels(meta),
  });
  return { config, manifest };
}

/** index.json of the layout: the manifest, named by `ref.name` (`oci:DIR:TAG`) and full name. */
export function layoutIndexOf(manifest: Descriptor, tag: string, name: string) {
  return {
    schemaVersion: 2,
    mediaType: media.OCI_INDEX,
    manifests: [{
      ...manifest,
      platform: { architecture: "amd64", os: "linux" },
      annotations: {
        "io.containerd.image.name": `${name}:${tag}`,
        [media.REF_NAME_ANNOTATION]: tag,
      },
    }],
  };
}

/** `docker save`'s manifest.json, pointing at the layout's blobs (as Docker 25+ writes it). */
export function dockerArchiveManifestOf(
  config: Descriptor,
  layers: { digest: string }[],
  repoTag: string,
) {
  const blob = (digest: string) => `blobs/sha256/${digest.replace(/^sha256:/, "")}`;
  return [{
    Config: blob(config.digest),
    RepoTags: [repoTag],
    Layers: layers.map((l) => blob(l.digest)),
  }];
}
