/**
 * The import a claim's annotations ask for, as a request to the import engine: the URL, the
 * headers (with the Secret's basic auth), the trusted CAs; a registry image with its credentials,
 * CAs and the cluster's insecure registries; or the clone source on this node.
 */
import type { PersistentVolumeClaim } from "../../api/mod.ts";
import {
  ANN_CHECKSUM,
  ANN_CLONE_REQUEST,
  ANN_ENDPOINT,
  ANN_EXTRA_HEADERS,
  importSourceOf,
} from "../../api/storage_annotations.ts";
import { encodeBase64 } from "../../lib/base64.ts";
import { ImportError, type ImportSource } from "../import/types.ts";
import {
  caCertsOf,
  checkContentType,
  credentialsOf,
  type ImportLookups,
  ImportWait,
} from "./import_lookups.ts";
import { importPhaseOf } from "./import_state.ts";
import { claimName } from "./provision.ts";
import { registrySourceFor } from "./registry_request.ts";
import { localDirOf, pvNodeOf } from "./types.ts";

export { type ImportLookups, ImportWait } from "./import_lookups.ts";

/** Builds the engine's source for the claim; throws ImportWait or a terminal ImportError. */
export async function importSourceFor(
  pvc: PersistentVolumeClaim,
  node: string,
  volumesDir: string,
  lookups: ImportLookups,
): Promise<ImportSource> {
  const annotations = pvc.metadata?.annotations ?? {};
  const namespace = pvc.metadata?.namespace ?? "default";
  switch (importSourceOf(annotations)) {
    case "blank":
      return { kind: "blank" };
    case "clone":
      return cloneSourceFor(annotations[ANN_CLONE_REQUEST]!, namespace, node, volumesDir, lookups);
    case "http":
      return await httpSourceFor(annotations, namespace, lookups);
    case "registry":
      return await registrySourceFor(annotations, namespace, lookups);
    case undefined:
      throw new ImportError(`Claim ${claimName(pvc)} asks for no import`, false, "NoSource");
  }
}

async function httpSourceFor(
  annotations: Record<string, string>,
  namespace: string,
  lookups: ImportLookups,
): Promise<ImportSource> {
  checkContentType(annotations);
  const headers = extraHeadersOf(annotations[ANN_EXTRA_HEADERS]);
  const credentials = await credentialsOf(annotations, namespace, lookups);
  if (credentials) {
    const { username, password } = credentials;
    headers["Authorization"] = `Basic ${
      encodeBase64(new TextEncoder().encode(`${username}:${password}`))
    }`;
  }
  const caCerts = await caCertsOf(annotations, namespace, lookups);
  const checksum = annotations[ANN_CHECKSUM];
  return {
    kind: "http",
    url: annotations[ANN_ENDPOINT] ?? "",
    headers,
    caCerts,
    ...(checksum ? { checksum } : {}),
  };
}

/** The extra headers annotation: a JSON array of `Name: value`. Messages never show values. */
export function extraHeadersOf(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!text) return headers;
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    throw new ImportError(
      `${ANN_EXTRA_HEADERS} must be a JSON array of "Name: value" strings`,
      false,
      "InvalidHeaders",
    );
  }
  if (!Array.isArray(entries)) {
    throw new ImportError(`${ANN_EXTRA_HEADERS} must be a JSON array`, false, "InvalidHeaders");
  }
  entries.forEach((entry, i) => {
    const colon = typeof entry === "string" ? entry.indexOf(":") : -1;
    const name = colon > 0 ? (entry as string).slice(0, colon).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new ImportError(
        `${ANN_EXTRA_HEADERS}[${i}] must be a "Name: value" string`,
        false,
        "InvalidHeaders",
      );
    }
    headers[name] = (entry as string).slice(colon + 1).trim();
  });
  return headers;
}

/** The clone source's image on this node; waits while the source is not ready. */
export function cloneSourceFor(
  request: string,
  namespace: string,
  node: string,
  volumesDir: string,
  lookups: Pick<ImportLookups, "claim">,
): ImportSource {
  const parts = request.split("/");
  const [sourceNamespace, sourceName] = parts.length === 2 ? parts : [namespace, parts[0]];
  if (!sourceNamespace || !sourceName || parts.length > 2) {
    throw new ImportError(
      `k8s.io/CloneRequest must be <namespace>/<name>, not ${JSON.stringify(request)}`,
      false,
      "InvalidCloneRequest",
    );
  }
  const source = `${sourceNamespace}/${sourceName}`;
  const { pvc, pv } = lookups.claim(sourceNamespace, sourceName);
  if (!pvc) throw new ImportWait(`Clone source ${source} does not exist`, "CloneSourceNotFound");
  if (pvc.status?.phase !== "Bound" || !pv) {
    throw new ImportWait(`Clone source ${source} is not bound yet`, "CloneSourceNotBound");
  }
  const dir = localDirOf(pv, node, volumesDir);
  if (!dir) {
    const sourceNode = pvNodeOf(pv);
    throw new ImportError(
      sourceNode && sourceNode !== node
        ? `clone source ${source} is on node ${sourceNode}; denovirt-local clones only within a node`
        : `clone source ${source} is not a denovirt-local volume`,
      false,
      "CloneSourceUnavailable",
    );
  }
  if (importSourceOf(pvc.metadata?.annotations) && importPhaseOf(pvc) !== "Succeeded") {
    throw new ImportWait(
      `Clone source ${source} is still being imported (phase ${importPhaseOf(pvc)})`,
      "CloneSourceNotReady",
    );
  }
  return { kind: "clone", sourcePath: `${dir}/disk.img` };
}
