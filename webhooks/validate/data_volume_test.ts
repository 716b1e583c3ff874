import assert from "node:assert/strict";
import type { DataVolumeSpec } from "../../api/mod.ts";
import { causeLine } from "../review.ts";
import { checkDataVolumeSpec } from "./data_volume.ts";

const specWith = (registry: object) =>
  ({
    source: { registry },
    storage: { resources: { requests: { storage: "1Gi" } } },
  }) as unknown as DataVolumeSpec;

Deno.test("checkDataVolumeSpec() admits docker:// registry sources with credentials, CAs and either pull method", () => {
  const cases = [
    { url: "docker://quay.io/containerdisks/fedora:40" },
    { url: "docker://cirros", pullMethod: "pod" },
    { url: "docker://127.0.0.1:5000/denovirt/fixture:latest", pullMethod: "node" },
    {
      url: `docker://registry.lan/d@sha256:${"0".repeat(64)}`,
      secretRef: "creds",
      certConfigMap: "ca",
      platform: { architecture: "amd64" },
    },
  ];
  for (const registry of cases) {
    assert.deepEqual(checkDataVolumeSpec(specWith(registry), ["spec"]), [], registry.url);
  }
});

Deno.test("checkDataVolumeSpec() refuses registry URLs naming spec.source.registry.url", () => {
  const cases: Array<[object, string]> = [
    [{}, "spec.source.registry.url: Required value: the docker:// URL of the image"],
    [{ url: "http://quay.io/x" }, "spec.source.registry.url: must be a docker:// URL, not http"],
    [
      { url: "oci-archive:///images/disk.tar" },
      "spec.source.registry.url: not supported by denovirt (oci-archive: images are pulled " +
      "from registries, give a docker:// URL)",
    ],
    [
      { url: "docker://quay.io/Fedora" },
      'spec.source.registry.url: Invalid image name "quay.io/Fedora": the repository part ' +
      '"Fedora" is not valid (lowercase letters, digits and single separators . _ __ - only)',
    ],
  ];
  for (const [registry, line] of cases) {
    const causes = checkDataVolumeSpec(specWith(registry), ["spec"]);
    assert.deepEqual(causes.map(causeLine), [line]);
  }
  const oci = checkDataVolumeSpec(specWith({ url: "oci-archive:///a.tar" }), ["spec"]);
  assert.equal(oci[0]?.type, "FieldValueNotSupported");
});

Deno.test("checkDataVolumeSpec() refuses an image stream once, as not supported", () => {
  const causes = checkDataVolumeSpec(specWith({ imageStream: "fedora", pullMethod: "node" }), [
    "spec",
  ]);
  assert.deepEqual(causes.map((c) => [c.field, c.type]), [
    ["spec.source.registry.imageStream", "FieldValueNotSupported"],
  ]);
});
