/**
 * The PVC a DataVolume fills, annotated for the node agent as CDI annotates it for its importer
 * (api/storage_annotations.ts). Pure: table-tested in claim_for_test.ts.
 */
import {
  ANN_CERT_CONFIG_MAP,
  ANN_CHECKSUM,
  ANN_CLONE_REQUEST,
  ANN_CONTENT_TYPE,
  ANN_ENDPOINT,
  ANN_EXTRA_HEADERS,
  ANN_IMMEDIATE_BINDING,
  ANN_REGISTRY_IMAGE_ARCHITECTURE,
  ANN_REGISTRY_IMAGE_STREAM,
  ANN_REGISTRY_IMPORT_METHOD,
  ANN_SECRET,
  ANN_SOURCE,
  CDI_API_VERSION,
  DATA_VOLUME_SOURCES,
  type DV,
  HOSTNAME_LABEL,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type PersistentVolumeClaimSpec,
  SELECTED_NODE,
  SOURCE_HTTP,
  SOURCE_NONE,
  SOURCE_REGISTRY,
  SUPPORTED_DATA_VOLUME_SOURCES,
} from "../../api/mod.ts";
import type { KubeObject, OwnerReference } from "../../lib/kube/object.ts";

/** CDI's labels on the claims it makes. */
export const CLAIM_LABELS: Readonly<Record<string, string>> = {
  app: "containerized-data-importer",
  "app.kubernetes.io/component": "storage",
  "app.kubernetes.io/managed-by": "cdi-controller",
};

/** What is known of a clone's source claim: the claim (if it exists) and its bound volume. */
export interface CloneSource {
  claim: PersistentVolumeClaim | undefined;
  volume: PersistentVolume | undefined;
}

/** Why no claim can be made: the condition's reason and a message for users. */
export interface ClaimProblem {
  reason: string;
  message: string;
}

/** A claim to create, a reason to wait (and look again), or a reason the DataVolume failed. */
export type ClaimDecision =
  | { claim: PersistentVolumeClaim }
  | { wait: ClaimProblem }
  | { fail: ClaimProblem };

/** The controller reference of a claim to its DataVolume. */
export function dataVolumeOwnerReference(dv: DV): OwnerReference {
  return {
    apiVersion: CDI_API_VERSION,
    kind: "DataVolume",
    name: dv.metadata.name ?? "",
    uid: dv.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `claim` is controlled by `dv` (same UID). */
export function isClaimOf(claim: KubeObject, dv: DV): boolean {
  return (claim.metadata?.ownerReferences ?? []).some((ref) =>
    ref.controller === true && ref.kind === "DataVolume" && ref.uid === dv.metadata.uid
  );
}

/** The node a PV's required node affinity pins it to (`kubernetes.io/hostname In [node]`). */
export function nodeOfVolume(pv: PersistentVolume | undefined): string | undefined {
  for (const term of pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of term.matchExpressions ?? []) {
      if (e.key === HOSTNAME_LABEL && e.operator === "In" && e.values?.length === 1) {
        return e.values[0];
      }
    }
  }
  return undefined;
}

/** `<namespace>/<name>` of the claim a DataVolume clones, if it clones one. */
export function cloneSourceOf(dv: DV): { namespace: string; name: string } | undefined {
  const pvc = dv.spec.source?.pvc;
  if (!pvc) return undefined;
  return { namespace: pvc.namespace || (dv.metadata.namespace ?? ""), name: pvc.name };
}

/** The claim spec from `spec.pvc` as given, or from `spec.storage` with CDI's defaults. */
function claimSpecOf(dv: DV): PersistentVolumeClaimSpec | undefined {
  if (dv.spec.pvc) return structuredClone(dv.spec.pvc);
  const storage = dv.spec.storage;
  if (!storage) return undefined;
  // No storageClassName: the DefaultStorageClass admission plugin fills in the default.
  return {
    ...structuredClone(storage),
    accessModes: storage.accessModes ?? ["ReadWriteOnce"],
    volumeMode: storage.volumeMode ?? "Filesystem",
  };
}

/** The annotations that tell the agent what to fill the claim with. */
function importAnnotations(dv: DV): Record<string, string> {
  const source = dv.spec.source ?? {};
  if (source.http) {
    const http = source.http;
    return {
      [ANN_ENDPOINT]: http.url,
      [ANN_SOURCE]: SOURCE_HTTP,
      [ANN_CONTENT_TYPE]: dv.spec.contentType ?? "kubevirt",
      ...(http.secretRef ? { [ANN_SECRET]: http.secretRef } : {}),
      ...(http.certConfigMap ? { [ANN_CERT_CONFIG_MAP]: http.certConfigMap } : {}),
      ...(http.checksum ? { [ANN_CHECKSUM]: http.checksum } : {}),
      ...(http.extraHeaders?.length
        ? { [ANN_EXTRA_HEADERS]: JSON.stringify(http.extraHeaders) }
        : {}),
    };
  }
  if (source.registry) {
    // As CDI maps a registry source; an image stream is refused before it gets here.
    const registry = source.registry;
    const stream = registry.url ? undefined : registry.imageStream;
    return {
      [ANN_SOURCE]: SOURCE_REGISTRY,
      [ANN_CONTENT_TYPE]: dv.spec.contentType ?? "kubevirt",
      ...(registry.url ? { [ANN_ENDPOINT]: registry.url } : {}),
      ...(stream ? { [ANN_ENDPOINT]: stream, [ANN_REGISTRY_IMAGE_STREAM]: "true" } : {}),
      ...(registry.pullMethod ? { [ANN_REGISTRY_IMPORT_METHOD]: registry.pullMethod } : {}),
      ...(registry.secretRef ? { [ANN_SECRET]: registry.secretRef } : {}),
      ...(registry.certConfigMap ? { [ANN_CERT_CONFIG_MAP]: registry.certConfigMap } : {}),
      ...(registry.platform?.architecture
        ? { [ANN_REGISTRY_IMAGE_ARCHITECTURE]: registry.platform.architecture }
        : {}),
    };
  }
  if (source.blank) return { [ANN_SOURCE]: SOURCE_NONE };
  const clone = cloneSourceOf(dv);
  if (clone) return { [ANN_CLONE_REQUEST]: `${clone.namespace}/${clone.name}` };
  return {};
}

/** CDI's immediate-binding request, copied from the DataVolume (CDI copies its annotations). */
function immediateBindingOf(dv: DV): Record<string, string> {
  const value = dv.metadata.annotations?.[ANN_IMMEDIATE_BINDING];
  return value === undefined ? {} : { [ANN_IMMEDIATE_BINDING]: value };
}

/** Why the DataVolume's source cannot be filled by the agent, if it cannot. */
function sourceProblem(dv: DV): ClaimProblem | undefined {
  const id = `${dv.metadata.namespace}/${dv.metadata.name}`;
  if (dv.spec.sourceRef) {
    return {
      reason: "UnsupportedSource",
      message:
        `Cannot populate DataVolume ${id}: spec.sourceRef is not supported; give spec.source`,
    };
  }
  const given = DATA_VOLUME_SOURCES.filter((kind) => dv.spec.source?.[kind] !== undefined);
  const kind = given[0];
  if (!kind) {
    return {
      reason: "UnsupportedSource",
      message: `Cannot populate DataVolume ${id}: spec.source names no source`,
    };
  }
  if (!SUPPORTED_DATA_VOLUME_SOURCES.includes(kind)) {
    return {
      reason: "UnsupportedSource",
      message: `Cannot populate DataVolume ${id}: spec.source.${kind} is not supported ` +
        `(${SUPPORTED_DATA_VOLUME_SOURCES.join(", ")} are)`,
    };
  }
  return undefined;
}

/** Where a clone must be made: the source's node, once it is known. */
function clonePlacement(dv: DV, clone: CloneSource | undefined):
  | { node: string | undefined }
  | { wait: ClaimProblem } {
  const ref = cloneSourceOf(dv)!;
  const source = `${ref.namespace}/${ref.name}`;
  const claim = clone?.claim;
  if (!claim) {
    return {
      wait: {
        reason: "CloneWithoutSource",
        message: `Waiting for the source PVC ${source} of the clone: it does not exist`,
      },
    };
  }
  if (claim.status?.phase !== "Bound") {
    // A claim provisioned where it is first used: its node is known before it binds.
    const selected = claim.metadata?.annotations?.[SELECTED_NODE];
    if (selected) return { node: selected };
    return {
      wait: {
        reason: "CloneSourceNotBound",
        message: `Waiting for the source PVC ${source} to be bound: ` +
          "a clone is made on the node that holds its source",
      },
    };
  }
  if (!clone?.volume) {
    return {
      wait: {
        reason: "CloneSourceNotBound",
        message: `Waiting for the volume of the source PVC ${source}`,
      },
    };
  }
  return { node: nodeOfVolume(clone.volume) };
}

/** The claim to create for `dv` (`clone`: what is known of its source claim, for clones). */
export function claimFor(dv: DV, clone?: CloneSource): ClaimDecision {
  const problem = sourceProblem(dv);
  if (problem) return { fail: problem };
  const spec = claimSpecOf(dv);
  const field = dv.spec.pvc ? "spec.pvc" : "spec.storage";
  if (!spec?.resources?.requests?.storage) {
    return {
      fail: {
        reason: "ErrClaimNotValid",
        message: `${field}.resources.requests.storage: Required value: the size of the disk ` +
          `of DataVolume ${dv.metadata.namespace}/${dv.metadata.name}`,
      },
    };
  }
  let node: string | undefined;
  if (dv.spec.source?.pvc) {
    const placement = clonePlacement(dv, clone);
    if ("wait" in placement) return placement;
    node = placement.node;
  }
  return {
    claim: {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: dv.metadata.name ?? "",
        namespace: dv.metadata.namespace ?? "",
        labels: { ...CLAIM_LABELS },
        annotations: {
          ...importAnnotations(dv),
          ...immediateBindingOf(dv),
          ...(node ? { [SELECTED_NODE]: node } : {}),
        },
        ownerReferences: [dataVolumeOwnerReference(dv)],
      },
      spec,
    },
  };
}
