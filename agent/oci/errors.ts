/** How pulling from an OCI registry fails: a reason to branch on and whether a retry may help. */

/** Why a pull failed. */
export type OciReason =
  /** The image reference does not parse. */
  | "InvalidImageName"
  /** The registry has no such repository, tag, manifest or blob (HTTP 404). */
  | "ImageNotFound"
  /** The registry or its token server refused us (HTTP 401/403 after authenticating). */
  | "Unauthorized"
  /** Connection refused or reset, HTTP 5xx or 429, timeouts: may pass. */
  | "RegistryUnavailable"
  /** Plain HTTP, or a certificate not trusted, for a registry not listed as insecure. */
  | "InsecureRegistry"
  /** A CA certificate given to trust is not a usable PEM certificate. */
  | "InvalidCACertificate"
  /** Docker schema 1, an unknown media type, or a manifest that does not parse. */
  | "UnsupportedManifest"
  /** An index without a linux/amd64 image. */
  | "NoPlatform"
  /** Content whose digest or size is not the one asked for. */
  | "DigestMismatch"
  /** A layer entry whose name leaves the image's root (`..`, absolute). */
  | "UnsafeLayer"
  /** No single regular file where the disk should be. */
  | "NotADiskImage"
  /** More bytes than allowed. */
  | "TooLarge"
  /** A layer that is not a (gzip) tar archive: zstd, foreign layers, artifacts, broken tar. */
  | "UnsupportedLayer"
  /** Any other answer of the registry (an unexpected HTTP status, a redirect loop). */
  | "RegistryError";

/** The failure of a pull; the message names the image and the registry's answer, never secrets. */
export class OciError extends Error {
  override name = "OciError";
  constructor(message: string, readonly reason: OciReason, readonly retryable: boolean) {
    super(message);
  }
}

/** An OciError that retrying cannot fix. */
export const terminal = (reason: OciReason, message: string) =>
  new OciError(message, reason, false);

/** An OciError that may go away on a retry. */
export const retryable = (reason: OciReason, message: string) =>
  new OciError(message, reason, true);
