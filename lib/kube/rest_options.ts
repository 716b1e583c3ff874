/** Options of the REST client's calls. */

/** Options of `list`. */
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  signal?: AbortSignal;
}

/** Options of `watch`. */
export interface WatchOptions {
  namespace?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  labelSelector?: string;
  fieldSelector?: string;
  signal?: AbortSignal;
}

/** Options of writes. */
export interface WriteOptions {
  namespace?: string;
  fieldManager?: string;
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** The four patch flavours: JSON merge, JSON Patch, strategic merge, server-side apply. */
export type PatchType = "merge" | "json" | "strategic" | "apply";

/** Options of `patch`. */
export interface PatchOptions extends Omit<WriteOptions, "namespace"> {
  type: PatchType;
  force?: boolean;
  subresource?: string;
}

/** Options of `delete`. */
export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  gracePeriodSeconds?: number;
  /** `["All"]`: check the deletion without doing it. */
  dryRun?: string[];
  signal?: AbortSignal;
}
