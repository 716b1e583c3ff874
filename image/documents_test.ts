import assert from "node:assert/strict";
import { dockerArchiveManifestOf, imageManifestOf, layoutIndexOf } from "./documents.ts";

const meta = {
  version: "0.1.0",
  revision: "02f480d",
  source: "https://example.org/denovirt",
  created: "2026-12-06T00:00:00Z",
};
const layers = [
  { digest: "sha256:aa", size: 1, diffId: "sha256:a0", createdBy: "system" },
  { digest: "sha256:bb", size: 2, diffId: "sha256:b0", createdBy: "app" },
];

Deno.test("imageManifestOf() makes a config with the entry point, the user and the labels", () => {
  const { config } = imageManifestOf(layers, meta);
  const value = JSON.parse(new TextDecoder().decode(config.bytes));
  assert.deepEqual(value.config.Entrypoint, ["/usr/local/bin/denovirt"]);
  assert.equal(value.config.User, "65532:65532");
  assert.equal(value.config.Labels["org.opencontainers.image.version"], "0.1.0");
  assert.equal(value.config.Labels["org.opencontainers.image.revision"], "02f480d");
  assert.equal(value.config.Labels["org.opencontainers.image.source"], meta.source);
  assert.deepEqual(value.rootfs.diff_ids, ["sha256:a0", "sha256:b0"]);
});

Deno.test("imageManifestOf() gives the same digest for the same inputs and another for a new revision", () => {
  const first = imageManifestOf(layers, meta).manifest.descriptor.digest;
  assert.equal(imageManifestOf(layers, { ...meta }).manifest.descriptor.digest, first);
  assert.notEqual(
    imageManifestOf(layers, { ...meta, revision: "x" }).manifest.descriptor.digest,
    first,
  );
});

Deno.test("layoutIndexOf() names the manifest by tag and by containerd's full name", () => {
  const { manifest } = imageManifestOf(layers, meta);
  const index = layoutIndexOf(manifest.descriptor, "0.1.0", "localhost/denovirt");
  const annotations = index.manifests[0]!.annotations;
  assert.equal(annotations["org.opencontainers.image.ref.name"], "0.1.0");
  assert.equal(annotations["io.containerd.image.name"], "localhost/denovirt:0.1.0");
});

Deno.test("dockerArchiveManifestOf() points the config and layers at the layout's blob files", () => {
  const [entry] = dockerArchiveManifestOf(
    { mediaType: "x", digest: "sha256:cc", size: 3 },
    layers,
    "localhost/denovirt:0.1.0",
  );
  assert.deepEqual(entry, {
    Config: "blobs/sha256/cc",
    RepoTags: ["localhost/denovirt:0.1.0"],
    Layers: ["blobs/sha256/aa", "blobs/sha256/bb"],
  });
});
