/** Typed libvirt errors: libvirt's own code, error domain and message, plus what we were doing. */

import type { VirErrorFields } from "./ffi.ts";

/** virErrorNumber values that callers branch on (virterror.h). */
export const VIR_ERR = {
  OK: 0,
  INTERNAL_ERROR: 1,
  NO_SUPPORT: 3,
  NO_CONNECT: 5,
  INVALID_CONN: 6,
  INVALID_DOMAIN: 7,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  XML_ERROR: 27,
  DOM_EXIST: 28,
  XML_DETAIL: 35,
  SYSTEM_ERROR: 38,
  RPC: 39,
  NO_DOMAIN: 42,
  OPERATION_INVALID: 55,
  CONFIG_UNSUPPORTED: 67,
  OPERATION_TIMEOUT: 68,
  NO_DOMAIN_METADATA: 80,
  XML_INVALID_SCHEMA: 92,
} as const;

/** A libvirt call failed; `code`/`domain` are libvirt's virErrorNumber/virErrorDomain. */
export class LibvirtError extends Error {
  override name = "LibvirtError";
  /** libvirt's message, e.g. "Domain not found: no domain with matching name 'x'". */
  readonly libvirtMessage: string;

  constructor(
    context: string,
    readonly code: number,
    readonly domain: number,
    libvirtMessage: string,
  ) {
    super(`${context}: ${libvirtMessage}`);
    this.libvirtMessage = libvirtMessage;
  }
}

/** VIR_ERR_NO_DOMAIN: no domain has that name or UUID (or it vanished meanwhile). */
export class DomainNotFoundError extends LibvirtError {
  override name = "DomainNotFoundError";
}

/** VIR_ERR_OPERATION_INVALID: not applicable now, e.g. suspending a domain that is not running. */
export class OperationInvalidError extends LibvirtError {
  override name = "OperationInvalidError";
}

/** VIR_ERR_DOM_EXIST: a domain with that name or UUID already exists (or is already active). */
export class DomainExistsError extends LibvirtError {
  override name = "DomainExistsError";
}

/** The domain XML is malformed, invalid, or asks for something this host cannot do. */
export class InvalidDomainXmlError extends LibvirtError {
  override name = "InvalidDomainXmlError";
}

/** VIR_ERR_OPERATION_TIMEOUT: e.g. another job holds the domain's state-change lock; retry. */
export class OperationTimeoutError extends LibvirtError {
  override name = "OperationTimeoutError";
}

/** The connection to libvirtd is gone (or could not be opened); retry after it reconnects. */
export class ConnectionError extends LibvirtError {
  override name = "ConnectionError";
}

const CLASS_BY_CODE: Record<number, typeof LibvirtError> = {
  [VIR_ERR.NO_DOMAIN]: DomainNotFoundError,
  [VIR_ERR.OPERATION_INVALID]: OperationInvalidError,
  [VIR_ERR.DOM_EXIST]: DomainExistsError,
  [VIR_ERR.XML_ERROR]: InvalidDomainXmlError,
  [VIR_ERR.XML_DETAIL]: InvalidDomainXmlError,
  [VIR_ERR.XML_INVALID_SCHEMA]: InvalidDomainXmlError,
  [VIR_ERR.CONFIG_UNSUPPORTED]: InvalidDomainXmlError,
  [VIR_ERR.OPERATION_TIMEOUT]: OperationTimeoutError,
  [VIR_ERR.NO_CONNECT]: ConnectionError,
  [VIR_ERR.INVALID_CONN]: ConnectionError,
};

/** The typed error for a libvirt failure; `context` says what we were doing. */
export function libvirtErrorFor(context: string, error: VirErrorFields | undefined): LibvirtError {
  if (!error) {
    return new LibvirtError(context, VIR_ERR.INTERNAL_ERROR, 0, "libvirt reported no error detail");
  }
  const ErrorClass = CLASS_BY_CODE[error.code] ?? LibvirtError;
  return new ErrorClass(context, error.code, error.domain, error.message);
}

/** Whether a failure's code is one a dropped connection produces (then check virConnectIsAlive). */
export function mayMeanConnectionLost(code: number): boolean {
  return code === VIR_ERR.SYSTEM_ERROR || code === VIR_ERR.RPC || code === VIR_ERR.INVALID_CONN ||
    code === VIR_ERR.NO_CONNECT || code === VIR_ERR.INTERNAL_ERROR;
}
