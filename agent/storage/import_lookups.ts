/**
 * What building an import request looks up, and the pieces every source shares: the claim's
 * Secret (basic-auth user and password), its CA ConfigMap, the content type it asks for.
 */
import type { PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import { NOT_SUPPORTED } from "../../api/refusals.ts";
import {
  ANN_CERT_CONFIG_MAP,
  ANN_CONTENT_TYPE,
  ANN_SECRET,
} from "../../api/storage_annotations.ts";
import { decodeBase64 } from "../../lib/base64.ts";
import { ImportError } from "../import/types.ts";

/** The import cannot start yet (a Secret, a ConfigMap, the clone source): try again later. */
export class ImportWait extends Error {
  override name = "ImportWait";
  constructor(message: string, readonly reason: string) {
    super(message);
  }
}

/** What building a request looks up. */
export interface ImportLookups {
  /** A Secret's `data` (base64 values), or undefined when it does not exist. */
  getSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** A ConfigMap's `data`, or undefined when it does not exist. */
  getConfigMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The registries the cluster lists as insecure now (`host[:port]`). */
  insecureRegistries(): Promise<string[]>;
  /** A claim from the cache, and the PV it is bound to. */
  claim(
    namespace: string,
    name: string,
  ): { pvc: PersistentVolumeClaim | undefined; pv: PersistentVolume | undefined };
}

/** Refuses archives: denovirt imports disk images only. */
export function checkContentType(annotations: Record<string, string>): void {
  const contentType = annotations[ANN_CONTENT_TYPE] ?? "";
  if (contentType !== "" && contentType !== "kubevirt") {
    throw new ImportError(
      `contentType ${contentType} is ${NOT_SUPPORTED}`,
      false,
      "UnsupportedContentType",
    );
  }
}

/** User and password from the Secret the claim names (`accessKeyId`, `secretKey`), if any. */
export async function credentialsOf(
  annotations: Record<string, string>,
  namespace: string,
  lookups: ImportLookups,
): Promise<{ username: string; password: string } | undefined> {
  const secretName = annotations[ANN_SECRET];
  if (!secretName) return undefined;
  const data = await lookups.getSecret(namespace, secretName);
  if (!data) {
    throw new ImportWait(`Secret ${namespace}/${secretName} does not exist`, "SecretNotFound");
  }
  const username = decoded(data.accessKeyId);
  const password = decoded(data.secretKey);
  if (username === undefined || password === undefined) {
    throw new ImportWait(
      `Secret ${namespace}/${secretName} must hold accessKeyId and secretKey`,
      "SecretInvalid",
    );
  }
  return { username, password };
}

/** The PEM CAs of the ConfigMap the claim names, in the order of their keys. */
export async function caCertsOf(
  annotations: Record<string, string>,
  namespace: string,
  lookups: ImportLookups,
): Promise<string[]> {
  const configMapName = annotations[ANN_CERT_CONFIG_MAP];
  if (!configMapName) return [];
  const data = await lookups.getConfigMap(namespace, configMapName);
  if (!data) {
    throw new ImportWait(
      `ConfigMap ${namespace}/${configMapName} does not exist`,
      "ConfigMapNotFound",
    );
  }
  return Object.keys(data).sort().map((key) => data[key]!);
}

/** A base64 Secret value as UTF-8 text; undefined when it is not that. */
function decoded(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(decodeBase64(value));
  } catch {
    return undefined;
  }
}
