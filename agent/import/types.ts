/** What an import is asked to do, what it reports, and how it fails. */

/** Where the image comes from. */
export type ImportSource =
  | {
    kind: "http";
    /** http(s) URL; anything else is refused (terminal). */
    url: string;
    /** Extra request headers, including Authorization built from a Secret. Never logged. */
    headers: Record<string, string>;
    /** PEM CA certificates to trust besides the system's (from a certConfigMap). */
    caCerts: string[];
    /** `<md5|sha1|sha256|sha512>:<hex>` of the body exactly as served. */
    checksum?: string;
  }
  | {
    kind: "registry";
    /** `docker://[host[:port]/]repo[:tag|@digest]` of a containerDisk image. */
    url: string;
    /** User and password for the image's registry (from a Secret). Never logged. */
    credentials?: { username: string; password: string };
    /** PEM CA certificates to trust besides the system's (from a certConfigMap). */
    caCerts: string[];
    /** `host[:port]` of registries reached over plain HTTP or without checking certificates. */
    insecureRegistries: string[];
  }
  | { kind: "blank" }
  | {
    kind: "clone";
    /** The source claim's raw image on this node. */
    sourcePath: string;
  };

export interface ImportRequest {
  source: ImportSource;
  /** The volume's directory; success leaves exactly `<targetDir>/disk.img` (raw). */
  targetDir: string;
  /** The volume's capacity in bytes: the image is resized to it and may not be larger. */
  capacityBytes: number;
  /** Aborting stops the import, removes its partial files, and rejects with an AbortError. */
  signal: AbortSignal;
  /** Called as bytes arrive (at most every 250 ms, and once at the end). */
  onProgress?: (progress: ImportProgress) => void;
  /** An http source that sends nothing for this long fails, retryably (default 60 s). */
  idleTimeoutMs?: number;
}

export interface ImportProgress {
  /** Bytes received from the source so far. */
  bytes: number;
  /** Content-Length (or the source file's size) when known. */
  totalBytes?: number;
}

export interface ImportResult {
  /** Format of the image as served, after decompression. */
  format: "raw" | "qcow2";
  /** Compression of the body as served. */
  compression: "none" | "gzip" | "xz";
  /** Bytes received from the source. */
  transferredBytes: number;
  /** Virtual size of the image before the resize to the capacity. */
  virtualSizeBytes: number;
}

/**
 * A failed import. `retryable` says whether trying again may succeed (connection errors, 5xx,
 * 408/429, a full disk); the message is safe to show: no credentials, no query string.
 */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** A CamelCase reason for conditions and events, e.g. "NotFound", "ChecksumMismatch". */
    readonly reason: string,
  ) {
    super(message);
    this.name = "ImportError";
  }
}
