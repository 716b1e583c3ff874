import assert from "node:assert/strict";
import { OciError } from "./errors.ts";
import { type Descriptor, linuxAmd64Of, parseManifest } from "./manifest.ts";
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from "./media_types.ts";

const D = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const bytes = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
const descriptor = (n: number, mediaType = "application/vnd.oci.image.layer.v1.tar+gzip") => ({
  mediaType,
  digest: D(n),
  size: n * 10,
});

const refusal = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (error) => {
    assert.ok(error instanceof OciError);
    assert.equal(error.reason, "UnsupportedManifest");
    assert.match(error.message, message);
    return true;
  });

Deno.test("parseManifest() takes the media type from the body, the Content-Type, or the shape", () => {
  const image = { schemaVersion: 2, config: descriptor(1, "c"), layers: [descriptor(2)] };
  assert.equal(parseManifest(bytes(image), OCI_MANIFEST, "W").mediaType, OCI_MANIFEST);
  assert.equal(
    parseManifest(bytes(image), `${DOCKER_MANIFEST}; charset=utf-8`, "W").mediaType,
    DOCKER_MANIFEST,
  );
  assert.equal(parseManifest(bytes(image), "application/json", "W").mediaType, OCI_MANIFEST);
  assert.equal(
    parseManifest(bytes({ ...image, mediaType: DOCKER_MANIFEST }), OCI_MANIFEST, "W").mediaType,
    DOCKER_MANIFEST,
  );
  const index = parseManifest(bytes({ schemaVersion: 2, manifests: [] }), null, "W");
  assert.deepEqual(index, { kind: "index", mediaType: OCI_INDEX, manifests: [] });
});

Deno.test("parseManifest() keeps descriptors' fields and platforms, dropping the rest", () => {
  const manifest = parseManifest(
    bytes({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{
        ...descriptor(3),
        platform: { os: "linux", architecture: "amd64", "os.version": "x" },
        annotations: { a: "b" },
      }],
    }),
    null,
    "W",
  );
  assert.deepEqual(manifest, {
    kind: "index",
    mediaType: OCI_INDEX,
    manifests: [{ ...descriptor(3), platform: { os: "linux", architecture: "amd64" } }],
  });
});

Deno.test("parseManifest() refuses bad JSON and bad descriptors, naming where", () => {
  refusal(
    () => parseManifest(new TextEncoder().encode("{"), OCI_MANIFEST, "W"),
    /^W: the manifest is not valid JSON$/,
  );
  refusal(() => parseManifest(bytes([1]), OCI_MANIFEST, "W"), /not a JSON object/);
  const image = (layers: unknown[]) =>
    bytes({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(1), layers });
  refusal(
    () => parseManifest(image([descriptor(2), { ...descriptor(3), digest: "md5:00" }]), null, "W"),
    /layers\[1\] is not a valid descriptor: digest "md5:00"/,
  );
  refusal(
    () => parseManifest(image([{ ...descriptor(2), digest: `${D(2)}/../x` }]), null, "W"),
    /layers\[0\]/,
  );
  refusal(
    () => parseManifest(image([{ ...descriptor(2), size: -1 }]), null, "W"),
    /size -1 is not a byte count/,
  );
  refusal(() => parseManifest(image([{ digest: D(2), size: 1 }]), null, "W"), /has no mediaType/);
  refusal(
    () =>
      parseManifest(bytes({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }), null, "W"),
    /config is not a valid descriptor/,
  );
  refusal(
    () => parseManifest(bytes({ schemaVersion: 2, mediaType: OCI_INDEX }), null, "W"),
    /has no manifests list/,
  );
});

Deno.test("linuxAmd64Of() prefers linux/amd64 without a variant, then any amd64 variant", () => {
  const entry = (n: number, os: string, architecture: string, variant?: string): Descriptor => ({
    ...descriptor(n, OCI_MANIFEST),
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  });
  const v3 = entry(1, "linux", "amd64", "v3");
  const plain = entry(2, "linux", "amd64");
  const windows = entry(3, "windows", "amd64");
  assert.equal(linuxAmd64Of([v3, windows, plain], "W"), plain);
  assert.equal(linuxAmd64Of([v3, entry(4, "linux", "amd64", "v1")], "W").digest, D(4));
  assert.equal(linuxAmd64Of([windows, v3], "W"), v3);
  assert.throws(() => linuxAmd64Of([windows, entry(5, "linux", "arm", "v7")], "W"), (error) => {
    assert.ok(error instanceof OciError && error.reason === "NoPlatform");
    assert.match(error.message, /\(it has windows\/amd64, linux\/arm\/v7\)/);
    return true;
  });
  assert.throws(() => linuxAmd64Of([], "W"), /it has none/);
});
