/**
 * The request of a registry import (CDI's `storage.import.source: registry`): the image's
 * docker:// URL, the Secret's credentials, the CA ConfigMap and the cluster's insecure
 * registries as they are listed now. Image streams and other architectures are refused.
 */
import { NOT_SUPPORTED } from "../../api/refusals.ts";
import {
  ANN_ENDPOINT,
  ANN_REGISTRY_IMAGE_ARCHITECTURE,
  ANN_REGISTRY_IMAGE_STREAM,
  SUPPORTED_IMAGE_ARCHITECTURE,
} from "../../api/storage_annotations.ts";
import { ImportError, type ImportSource } from "../import/types.ts";
import {
  caCertsOf,
  checkContentType,
  credentialsOf,
  type ImportLookups,
} from "./import_lookups.ts";

/** Builds a registry source from the claim's annotations; throws ImportWait or an ImportError. */
export async function registrySourceFor(
  annotations: Record<string, string>,
  namespace: string,
  lookups: ImportLookups,
): Promise<ImportSource> {
  checkContentType(annotations);
  if (annotations[ANN_REGISTRY_IMAGE_STREAM] === "true") {
    throw new ImportError(
      `image streams are ${NOT_SUPPORTED}: give the image's docker:// URL`,
      false,
      "UnsupportedSource",
    );
  }
  const architecture = annotations[ANN_REGISTRY_IMAGE_ARCHITECTURE];
  if (architecture && architecture !== SUPPORTED_IMAGE_ARCHITECTURE) {
    throw new ImportError(
      `images for ${architecture} are ${NOT_SUPPORTED}: ` +
        `${SUPPORTED_IMAGE_ARCHITECTURE} images only`,
      false,
      "UnsupportedPlatform",
    );
  }
  const url = annotations[ANN_ENDPOINT];
  if (!url) {
    throw new ImportError(
      `${ANN_ENDPOINT} must name the docker:// URL of the image to import`,
      false,
      "InvalidURL",
    );
  }
  const credentials = await credentialsOf(annotations, namespace, lookups);
  return {
    kind: "registry",
    url,
    ...(credentials ? { credentials } : {}),
    caCerts: await caCertsOf(annotations, namespace, lookups),
    // Read at each import: a registry listed (or no longer listed) counts at once.
    insecureRegistries: await lookups.insecureRegistries(),
  };
}
