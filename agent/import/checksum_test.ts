import assert from "node:assert/strict";
import { ChecksumVerifier, parseChecksum } from "./checksum.ts";
import { ImportError } from "./types.ts";

const SHA256_OF_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

Deno.test("parseChecksum() accepts the four algorithms in any case and lower-cases the digest", () => {
  assert.deepEqual(parseChecksum(`SHA256:${SHA256_OF_ABC.toUpperCase()}`), {
    algorithm: "sha256",
    hex: SHA256_OF_ABC,
  });
  assert.equal(parseChecksum(`md5:${"a".repeat(32)}`).algorithm, "md5");
  assert.equal(parseChecksum(`sha1:${"a".repeat(40)}`).algorithm, "sha1");
  assert.equal(parseChecksum(`sha512:${"a".repeat(128)}`).algorithm, "sha512");
});

Deno.test("parseChecksum() refuses unknown algorithms and digests of the wrong length", () => {
  for (const text of ["sha256:abc", "crc32:00000000", SHA256_OF_ABC, `sha256:${"g".repeat(64)}`]) {
    assert.throws(
      () => parseChecksum(text),
      (e) => e instanceof ImportError && e.reason === "InvalidChecksum" && !e.retryable,
    );
  }
});

Deno.test("ChecksumVerifier hashes chunks as they come and names both digests on a mismatch", () => {
  const ok = new ChecksumVerifier(parseChecksum(`sha256:${SHA256_OF_ABC}`));
  ok.update(new TextEncoder().encode("a"));
  ok.update(new TextEncoder().encode("bc"));
  ok.verify("Cannot import x");
  const bad = new ChecksumVerifier(parseChecksum(`sha256:${"0".repeat(64)}`));
  bad.update(new TextEncoder().encode("abc"));
  assert.throws(
    () => bad.verify("Cannot import x"),
    (e) =>
      e instanceof ImportError && e.reason === "ChecksumMismatch" &&
      e.message.includes(SHA256_OF_ABC) && e.message.includes("0".repeat(64)),
  );
});
