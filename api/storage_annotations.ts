/**
 * The storage contract between the DataVolume controller, users' annotated PVCs and the node
 * agent: CDI's PVC annotations (names as CDI defines them), the local provisioner's names, and
 * the few annotations denovirt adds where CDI has none (prefix `denovirt.io/`).
 */

/** The provisioner of the node-local StorageClasses. */
export const LOCAL_PROVISIONER = "denovirt.io/local";
/** The default StorageClass on the local stack: WaitForFirstConsumer binding. */
export const LOCAL_STORAGE_CLASS = "denovirt-local";
/** The same provisioner with Immediate binding: the controllers pick the node. */
export const LOCAL_IMMEDIATE_STORAGE_CLASS = "denovirt-local-immediate";

// Kubernetes' own annotations for dynamic provisioning.
/** Set by kube-scheduler (WaitForFirstConsumer) or the controllers (Immediate): the node. */
export const SELECTED_NODE = "volume.kubernetes.io/selected-node";
/** Set by kube-controller-manager: the provisioner expected to provision the claim. */
export const STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
/** On a PV: which provisioner made it. */
export const PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
export const DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";

// CDI's import annotations on a PVC (read by the agent).
export const CDI = "cdi.kubevirt.io";
/** URL of an http(s) import, or the `docker://` URL of a registry import. */
export const ANN_ENDPOINT = `${CDI}/storage.import.endpoint`;
/** "http" (default when an endpoint is set), "registry", or "none" (blank image). */
export const ANN_SOURCE = `${CDI}/storage.import.source`;
/** The values of ANN_SOURCE that denovirt imports from. */
export const SOURCE_HTTP = "http";
export const SOURCE_REGISTRY = "registry";
export const SOURCE_NONE = "none";
/** "kubevirt" (a disk image, default) or "archive" (refused: not supported). */
export const ANN_CONTENT_TYPE = `${CDI}/storage.contentType`;
/** Secret with `accessKeyId` and `secretKey`: basic-auth user and password. */
export const ANN_SECRET = `${CDI}/storage.import.secretName`;
/** ConfigMap whose values are PEM CA certificates trusted for the endpoint. */
export const ANN_CERT_CONFIG_MAP = `${CDI}/storage.import.certConfigMap`;
/** A registry source's `pullMethod`: "pod" or "node" (both pulled by the agent here). */
export const ANN_REGISTRY_IMPORT_METHOD = `${CDI}/storage.import.registryImportMethod`;
/** "true" when the endpoint names an OpenShift image stream (refused: not supported). */
export const ANN_REGISTRY_IMAGE_STREAM = `${CDI}/storage.import.registryImageStream`;
/** A registry source's `platform.architecture`: only amd64 images are imported. */
export const ANN_REGISTRY_IMAGE_ARCHITECTURE = `${CDI}/storage.import.registryImageArchitecture`;
/** The only image architecture denovirt imports and runs. */
export const SUPPORTED_IMAGE_ARCHITECTURE = "amd64";
/**
 * On a DataVolume (copied to its claim): populate at once even on a WaitForFirstConsumer class,
 * without waiting for a VM (golden images). CDI honours the key whatever its value.
 */
export const ANN_IMMEDIATE_BINDING = `${CDI}/storage.bind.immediate.requested`;
/** `<namespace>/<name>` of the PVC to clone (same node only). */
export const ANN_CLONE_REQUEST = "k8s.io/CloneRequest";

// Written back on the PVC by the agent, as CDI's controllers write them.
/** Pending | Running | Succeeded | Failed: the state of the import ("the importer pod"). */
export const ANN_POD_PHASE = `${CDI}/storage.pod.phase`;
/** Attempts that failed and were retried (CDI: importer pod restarts). */
export const ANN_POD_RESTARTS = `${CDI}/storage.pod.restarts`;
/** "true" / "false": the import is running. */
export const ANN_RUNNING_CONDITION = `${CDI}/storage.condition.running`;
export const ANN_RUNNING_REASON = `${CDI}/storage.condition.running.reason`;
export const ANN_RUNNING_MESSAGE = `${CDI}/storage.condition.running.message`;

// denovirt's own, where CDI has no PVC annotation.
/** `<algorithm>:<hex>` the downloaded file must match (md5, sha1, sha256, sha512). */
export const ANN_CHECKSUM = "denovirt.io/import-checksum";
/** JSON array of extra request headers, each `Name: value`. */
export const ANN_EXTRA_HEADERS = "denovirt.io/import-extra-headers";
/** Progress of the running import, `"45.20%"`, as CDI reports it in DataVolume status. */
export const ANN_PROGRESS = "denovirt.io/import-progress";
/** On a Node: bytes of local storage the provisioner may hand out, and bytes handed out. */
export const ANN_NODE_STORAGE_CAPACITY = "storage.denovirt.io/local-capacity";
export const ANN_NODE_STORAGE_ALLOCATED = "storage.denovirt.io/local-allocated";

/** The values of ANN_POD_PHASE. */
export type ImportPhase = "Pending" | "Running" | "Succeeded" | "Failed";

/** What a claim is filled from. */
export type ImportSourceKind = "http" | "registry" | "blank" | "clone";

/** The PVC's import source, from its annotations; undefined when the PVC asks for none. */
export function importSourceOf(
  annotations: Record<string, string> | undefined,
): ImportSourceKind | undefined {
  const a = annotations ?? {};
  if (a[ANN_CLONE_REQUEST]) return "clone";
  if (a[ANN_SOURCE] === SOURCE_NONE) return "blank";
  // A registry source without an endpoint still asks for an import: it fails, naming what is missing.
  if (a[ANN_SOURCE] === SOURCE_REGISTRY) return "registry";
  if (a[ANN_ENDPOINT]) return "http";
  return undefined;
}

/** Whether the object (a DataVolume or its claim) asks to be populated without a consumer. */
export function immediateBindingRequested(
  annotations: Record<string, string> | undefined,
): boolean {
  return annotations?.[ANN_IMMEDIATE_BINDING] !== undefined;
}
