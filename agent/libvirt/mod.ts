/** libvirt for the node agent: the `Hypervisor` interface and its FFI implementation. */

export type {
  DomainIdentity,
  DomainInfo,
  DomainLifecycleEvent,
  DomainRef,
  DomainStatus,
  DomainSummary,
  Hypervisor,
  JobStats,
  MetadataOptions,
  MetadataScope,
  MigrateOptions,
  Screenshot,
} from "./types.ts";
export { LibvirtConnection, type LibvirtOptions, openLibvirt } from "./connection.ts";
export {
  ConnectionError,
  DomainExistsError,
  DomainNotFoundError,
  InvalidDomainXmlError,
  LibvirtError,
  OperationInvalidError,
  OperationTimeoutError,
  VIR_ERR,
} from "./errors.ts";
export { DENOVIRT_METADATA_URI, type DomainStateName, type LifecycleEventName } from "./names.ts";
