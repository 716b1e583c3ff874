/**
 * The URL of CDI's registry source (`spec.source.registry.url`, and the endpoint annotation of a
 * registry import): `docker://` and an image reference. The webhooks check it; the agent pulls
 * by it. CDI's other scheme, `oci-archive://` (a file in the importer pod), is not supported.
 */
import {
  formatImageReference,
  type ImageReference,
  ImageReferenceError,
  parseImageReference,
} from "./image_reference.ts";
import { NOT_SUPPORTED } from "./refusals.ts";

/** The scheme of the registry URLs denovirt pulls from. */
export const DOCKER_SCHEME = "docker://";
const OCI_ARCHIVE_SCHEME = "oci-archive://";

/** The image a registry URL names, or what is wrong with the URL (and whether it is a feature). */
export type RegistryUrl =
  | { image: ImageReference }
  | { problem: string; notSupported: boolean };

/** Reads `docker://[host[:port]/]repo[:tag|@digest]`; answers the problem of any other text. */
export function parseRegistryUrl(url: string): RegistryUrl {
  if (url.toLowerCase().startsWith(OCI_ARCHIVE_SCHEME)) {
    return {
      problem: `${NOT_SUPPORTED} (oci-archive: images are pulled from registries, ` +
        `give a ${DOCKER_SCHEME} URL)`,
      notSupported: true,
    };
  }
  if (!url.startsWith(DOCKER_SCHEME)) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
    return {
      problem: scheme === undefined
        ? `must be a ${DOCKER_SCHEME} URL, e.g. ${DOCKER_SCHEME}quay.io/containerdisks/fedora:40`
        : `must be a ${DOCKER_SCHEME} URL, not ${scheme}`,
      notSupported: false,
    };
  }
  try {
    return { image: parseImageReference(url.slice(DOCKER_SCHEME.length)) };
  } catch (error) {
    if (!(error instanceof ImageReferenceError)) throw error;
    return { problem: error.message, notSupported: false };
  }
}

/** The registry URL of an image in its full form: `docker://registry/repository[:tag][@digest]`. */
export function formatRegistryUrl(image: ImageReference): string {
  return `${DOCKER_SCHEME}${formatImageReference(image)}`;
}
