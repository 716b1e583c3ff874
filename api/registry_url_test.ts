import assert from "node:assert/strict";
import { formatRegistryUrl, parseRegistryUrl } from "./registry_url.ts";

Deno.test("parseRegistryUrl() reads docker:// URLs as image references, with Docker's defaults", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  const cases: Array<[string, object]> = [
    [
      "docker://127.0.0.1:5000/denovirt/fixture:latest",
      { registry: "127.0.0.1:5000", repository: "denovirt/fixture", tag: "latest" },
    ],
    [
      "docker://quay.io/containerdisks/fedora",
      { registry: "quay.io", repository: "containerdisks/fedora", tag: "latest" },
    ],
    ["docker://cirros", { registry: "docker.io", repository: "library/cirros", tag: "latest" }],
    [
      `docker://registry.lan/disks/a@${digest}`,
      { registry: "registry.lan", repository: "disks/a", digest },
    ],
  ];
  for (const [url, image] of cases) assert.deepEqual(parseRegistryUrl(url), { image }, url);
});

Deno.test("parseRegistryUrl() names the problem of other schemes and bad references", () => {
  const cases: Array<[string, RegExp, boolean]> = [
    ["oci-archive:///data/image.tar", /^not supported by denovirt \(oci-archive/, true],
    ["https://quay.io/containerdisks/fedora", /^must be a docker:\/\/ URL, not https$/, false],
    ["quay.io/containerdisks/fedora", /^must be a docker:\/\/ URL, e\.g\./, false],
    ["docker://", /^Invalid image name "": it is empty/, false],
    ["docker://quay.io/Fedora", /repository part "Fedora" is not valid/, false],
    ["docker://quay.io/fedora:bad tag", /whitespace/, false],
  ];
  for (const [url, problem, notSupported] of cases) {
    const parsed = parseRegistryUrl(url);
    assert.ok("problem" in parsed, url);
    assert.match(parsed.problem, problem, url);
    assert.equal(parsed.notSupported, notSupported, url);
  }
});

Deno.test("formatRegistryUrl() writes the full form back", () => {
  const parsed = parseRegistryUrl("docker://cirros");
  assert.ok("image" in parsed);
  assert.equal(formatRegistryUrl(parsed.image), "docker://docker.io/library/cirros:latest");
});
