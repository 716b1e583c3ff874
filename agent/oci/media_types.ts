/** The media types of the OCI image spec and of Docker's image manifest v2, and what each is. */

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_SCHEMA1 = [
  "application/vnd.docker.distribution.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
];

/** What the client asks a registry for, best first. */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST];

/** Manifest kinds: a list of per-platform manifests, or one image. */
export const isIndexType = (type: string) => type === OCI_INDEX || type === DOCKER_MANIFEST_LIST;
export const isImageType = (type: string) => type === OCI_MANIFEST || type === DOCKER_MANIFEST;

/** How a layer's tar is packed, as its media type says. */
export type LayerPacking = "tar" | "gzip" | "zstd";

const LAYERS: Record<string, LayerPacking> = {
  "application/vnd.oci.image.layer.v1.tar": "tar",
  "application/vnd.oci.image.layer.v1.tar+gzip": "gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd": "zstd",
  "application/vnd.docker.image.rootfs.diff.tar": "tar",
  "application/vnd.docker.image.rootfs.diff.tar.gzip": "gzip",
  "application/vnd.docker.image.rootfs.diff.tar.zstd": "zstd",
};

/** Layers whose bytes may live outside the registry (deprecated by both specs). */
const FOREIGN = new Set([
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
]);

/** The packing of a filesystem layer, "foreign" for non-distributable ones, or undefined. */
export function layerPackingOf(mediaType: string): LayerPacking | "foreign" | undefined {
  if (FOREIGN.has(mediaType)) return "foreign";
  return LAYERS[mediaType];
}
