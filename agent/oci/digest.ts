/** Content digests: of bytes in hand, and of a stream checked while it flows. */
import { createHash } from "node:crypto";
import { retryable } from "./errors.ts";
import type { Descriptor } from "./manifest.ts";

/** `sha256` or `sha512`, the algorithm of a digest the client accepted. */
const algorithmOf = (digest: string) => digest.slice(0, digest.indexOf(":"));

/** The digest of `bytes` with the algorithm of `like` (sha256 by default). */
export function digestOf(bytes: Uint8Array, like = "sha256:"): string {
  const algorithm = algorithmOf(like);
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/**
 * Passes the blob through unchanged; more bytes than its size fail at once, and a wrong size or
 * digest fails at the end, as a (retryable) DigestMismatch.
 */
export function verifying(
  descriptor: Pick<Descriptor, "digest" | "size">,
  where: string,
): TransformStream<Uint8Array, Uint8Array> {
  const { digest, size } = descriptor;
  const hash = createHash(algorithmOf(digest));
  let bytes = 0;
  const mismatch = (why: string) => retryable("DigestMismatch", `${where}: blob ${digest} ${why}`);
  return new TransformStream({
    transform(chunk, controller) {
      bytes += chunk.length;
      if (bytes > size) throw mismatch(`is larger than the ${size} bytes its manifest says`);
      hash.update(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      if (bytes !== size) throw mismatch(`has ${bytes} bytes, not the ${size} its manifest says`);
      const actual = `${algorithmOf(digest)}:${hash.digest("hex")}`;
      if (actual !== digest) throw mismatch(`arrived with the digest ${actual}`);
    },
  });
}
