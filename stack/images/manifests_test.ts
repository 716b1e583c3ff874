import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { imageDocumentsOf, jsonBlob, layoutIndexOf, sha256Digest } from "./manifests.ts";
import * as media from "./media_types.ts";

const layer = {
  digest: `sha256:${"a".repeat(64)}`,
  size: 4096,
  diffId: `sha256:${"b".repeat(64)}`,
};
const parse = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

Deno.test("jsonBlob() describes the exact bytes it serialised", () => {
  const blob = jsonBlob("application/json", { b: 1, a: [2] });
  assert.equal(new TextDecoder().decode(blob.bytes), '{"b":1,"a":[2]}');
  assert.equal(blob.descriptor.size, blob.bytes.length);
  const hex = createHash("sha256").update('{"b":1,"a":[2]}').digest("hex");
  assert.equal(blob.descriptor.digest, `sha256:${hex}`);
  assert.equal(sha256Digest(blob.bytes), blob.descriptor.digest);
});

Deno.test("imageDocumentsOf() gives a linux/amd64 config with the layer's diff_id", () => {
  const { config } = imageDocumentsOf(layer);
  const value = parse(config.bytes);
  assert.equal(value.os, "linux");
  assert.equal(value.architecture, "amd64");
  assert.deepEqual(value.rootfs, { type: "layers", diff_ids: [layer.diffId] });
});

Deno.test("imageDocumentsOf() makes an OCI and a Docker manifest of the same config and layer", () => {
  const docs = imageDocumentsOf(layer);
  const oci = parse(docs.ociManifest.bytes);
  const docker = parse(docs.dockerManifest.bytes);
  assert.equal(docs.ociManifest.descriptor.mediaType, media.OCI_MANIFEST);
  assert.equal(oci.mediaType, media.OCI_MANIFEST);
  assert.equal(oci.schemaVersion, 2);
  assert.deepEqual(oci.config, {
    mediaType: media.OCI_CONFIG,
    digest: docs.config.descriptor.digest,
    size: docs.config.descriptor.size,
  });
  assert.deepEqual(oci.layers, [{
    mediaType: media.OCI_LAYER_GZIP,
    digest: layer.digest,
    size: 4096,
  }]);
  assert.equal(docs.dockerManifest.descriptor.mediaType, media.DOCKER_MANIFEST);
  assert.equal(docker.mediaType, media.DOCKER_MANIFEST);
  assert.equal(docker.config.mediaType, media.DOCKER_CONFIG);
  assert.equal(docker.config.digest, docs.config.descriptor.digest);
  assert.deepEqual(docker.layers, [
    { mediaType: media.DOCKER_LAYER_GZIP, digest: layer.digest, size: 4096 },
  ]);
});

Deno.test("imageDocumentsOf() points the index and the manifest list at their manifests by platform", () => {
  const docs = imageDocumentsOf(layer, { architecture: "arm64", os: "linux" });
  const index = parse(docs.ociIndex.bytes);
  assert.equal(index.mediaType, media.OCI_INDEX);
  assert.deepEqual(index.manifests, [
    { ...docs.ociManifest.descriptor, platform: { architecture: "arm64", os: "linux" } },
  ]);
  const list = parse(docs.dockerManifestList.bytes);
  assert.equal(list.mediaType, media.DOCKER_MANIFEST_LIST);
  assert.equal(list.manifests[0].digest, docs.dockerManifest.descriptor.digest);
  assert.equal(list.manifests[0].mediaType, media.DOCKER_MANIFEST);
  assert.equal(parse(docs.config.bytes).architecture, "arm64");
});

Deno.test("layoutIndexOf() names the manifest with the ref.name annotation", () => {
  const { ociManifest } = imageDocumentsOf(layer);
  const index = layoutIndexOf(ociManifest.descriptor, "v1");
  assert.equal(index.manifests.length, 1);
  assert.equal(index.manifests[0]!.digest, ociManifest.descriptor.digest);
  assert.deepEqual(index.manifests[0]!.annotations, { [media.REF_NAME_ANNOTATION]: "v1" });
});
