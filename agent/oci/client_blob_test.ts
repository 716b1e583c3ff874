import assert from "node:assert/strict";
import { RegistryClient, type RegistryOptions } from "./client.ts";
import { parseImageReference } from "./reference.ts";
import { withRegistry } from "./test_registry.ts";
import { ociFails, sha256 } from "./test_support.ts";

const BYTES = new TextEncoder().encode("the layer's bytes ".repeat(1000));

/** Reads the blob of `descriptor` from `<registry>/disks/img` as bytes. */
async function readBlob(
  name: string,
  descriptor: { mediaType: string; digest: string; size: number },
  options: RegistryOptions = {},
) {
  const client = new RegistryClient({ insecure: () => true, ...options });
  try {
    const stream = await client.blob(parseImageReference(`${name}/disks/img:v1`), descriptor);
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } finally {
    client.close();
  }
}

Deno.test("RegistryClient.blob() streams the blob's bytes and fails with DigestMismatch when they differ", () =>
  withRegistry(async (registry, name) => {
    const descriptor = registry.addBlob(BYTES);
    assert.deepEqual(await readBlob(name, descriptor), BYTES);

    // Other bytes of the same length under that digest: found at the end of the stream.
    const other = BYTES.slice();
    other[500] = other[500]! ^ 1;
    registry.blobs.set(descriptor.digest, other);
    let error = await ociFails(readBlob(name, descriptor), "DigestMismatch", true);
    assert.match(
      error.message,
      new RegExp(`blob ${descriptor.digest} arrived with the digest ${sha256(other)}`),
    );

    registry.blobs.set(descriptor.digest, BYTES.subarray(1));
    error = await ociFails(readBlob(name, descriptor), "DigestMismatch", true);
    assert.match(error.message, /has 17999 bytes, not the 18000 its manifest says/);

    registry.blobs.set(descriptor.digest, new Uint8Array(10 * BYTES.length));
    error = await ociFails(readBlob(name, descriptor), "DigestMismatch", true);
    assert.match(error.message, /is larger than the 18000 bytes its manifest says/);

    registry.blobs.delete(descriptor.digest);
    error = await ociFails(readBlob(name, descriptor), "ImageNotFound", false);
    assert.match(error.message, /HTTP 404 \(BLOB_UNKNOWN: blob unknown to registry\)/);
  }));

Deno.test("RegistryClient.blob() follows a redirect to another host without the registry's Authorization", () =>
  withRegistry(async (registry, name) => {
    const descriptor = registry.addBlob(BYTES);
    registry.auth = { scheme: "bearer" };
    registry.redirectBlobs = true;
    assert.deepEqual(await readBlob(name, descriptor), BYTES);
    const blobs = registry.seen.filter((s) => s.path.includes("blobs"));
    assert.equal(blobs[0]?.authorization, "Bearer token-1", "the registry got the token");
    const stored = registry.seen.filter((s) => s.server === "storage");
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.authorization, null, "the storage host got no Authorization");
    assert.equal(stored[0]!.query.get("signature"), "s3cret", "the redirect's query is kept");
  }));

Deno.test("RegistryClient.blob() keeps Authorization on a redirect within the registry and stops redirect loops", () =>
  withRegistry(async (registry, name) => {
    const descriptor = registry.addBlob(BYTES);
    registry.auth = { scheme: "basic", username: "u", password: "p" };
    const credentials = () => ({ username: "u", password: "p" });
    let loop = false;
    registry.intercept = (url) =>
      url.pathname.endsWith(descriptor.digest) && (loop || url.search !== "?moved")
        ? new Response(null, {
          status: 302,
          headers: { location: `/v2/disks/img/blobs/${descriptor.digest}?moved` },
        })
        : undefined;
    assert.deepEqual(await readBlob(name, descriptor, { credentials }), BYTES);
    const hops = registry.seen.filter((s) => s.path.includes("blobs"));
    assert.deepEqual(hops.map((s) => s.authorization), [
      `Basic ${btoa("u:p")}`,
      `Basic ${btoa("u:p")}`,
    ]);

    loop = true;
    const error = await ociFails(
      readBlob(name, descriptor, { credentials }),
      "RegistryError",
      false,
    );
    assert.match(error.message, /answered HTTP 302 more than 10 times/);
  }));

Deno.test("RegistryClient fails retryably when the registry stalls, and when nothing listens", async () => {
  await withRegistry(async (registry, name) => {
    const descriptor = registry.addBlob(BYTES);
    registry.intercept = (url) => {
      if (!url.pathname.includes("blobs")) return undefined;
      // Half the blob, then silence.
      return new Response(new ReadableStream({ start: (c) => c.enqueue(BYTES.subarray(0, 100)) }));
    };
    const error = await ociFails(
      readBlob(name, descriptor, { idleTimeoutMs: 200 }),
      "RegistryUnavailable",
      true,
    );
    assert.match(error.message, /127\.0\.0\.1:\d+ sent nothing for 0\.2 s/);
  });
  // A port that was just free.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const error = await ociFails(
    readBlob(`127.0.0.1:${port}`, { mediaType: "x", digest: sha256(BYTES), size: 1 }),
    "RegistryUnavailable",
    true,
  );
  assert.match(error.message, /cannot reach 127\.0\.0\.1:\d+: the connection was refused/);
});
