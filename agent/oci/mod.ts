/** Pulling containerDisk images from OCI registries: the public API; importing it starts nothing. */
export { OciError, type OciReason } from "./errors.ts";
export {
  apiHostOf,
  formatImageReference,
  type ImageReference,
  parseImageReference,
} from "./reference.ts";
export {
  type Descriptor,
  type Platform,
  RegistryClient,
  type RegistryCredentials,
  type RegistryOptions,
  type ResolvedImage,
} from "./client.ts";
export { extractDiskFile, type ExtractedDisk, type ExtractOptions } from "./disk.ts";
