import assert from "node:assert/strict";
import { OciError } from "./errors.ts";
import { apiHostOf, formatImageReference, isApiUrlOf, parseImageReference } from "./reference.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

Deno.test("parseImageReference() applies Docker Hub's registry, library/ and latest defaults", () => {
  const cases: [string, ReturnType<typeof parseImageReference>][] = [
    ["busybox", { registry: "docker.io", repository: "library/busybox", tag: "latest" }],
    ["busybox:1.36", { registry: "docker.io", repository: "library/busybox", tag: "1.36" }],
    ["kubevirt/cirros-container-disk-demo", {
      registry: "docker.io",
      repository: "kubevirt/cirros-container-disk-demo",
      tag: "latest",
    }],
    ["docker.io/alpine", { registry: "docker.io", repository: "library/alpine", tag: "latest" }],
    ["index.docker.io/library/alpine:3", {
      registry: "docker.io",
      repository: "library/alpine",
      tag: "3",
    }],
    [`busybox@${DIGEST}`, { registry: "docker.io", repository: "library/busybox", digest: DIGEST }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseImageReference(text), expected, text);
});

Deno.test("parseImageReference() takes the first part as the host when it has a dot, a colon or is localhost", () => {
  const cases: [string, ReturnType<typeof parseImageReference>][] = [
    ["quay.io/containerdisks/fedora:41", {
      registry: "quay.io",
      repository: "containerdisks/fedora",
      tag: "41",
    }],
    ["127.0.0.1:5000/disks/cirros", {
      registry: "127.0.0.1:5000",
      repository: "disks/cirros",
      tag: "latest",
    }],
    ["localhost/cirros:v1", { registry: "localhost", repository: "cirros", tag: "v1" }],
    ["registry:5000/a/b/c:tag", { registry: "registry:5000", repository: "a/b/c", tag: "tag" }],
    ["[::1]:5000/cirros", { registry: "[::1]:5000", repository: "cirros", tag: "latest" }],
    [`ghcr.io/o/img:v2@${DIGEST}`, {
      registry: "ghcr.io",
      repository: "o/img",
      tag: "v2",
      digest: DIGEST,
    }],
    // Not a host: no dot, no colon, not localhost.
    ["myorg/disk", { registry: "docker.io", repository: "myorg/disk", tag: "latest" }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseImageReference(text), expected, text);
});

Deno.test("parseImageReference() refuses malformed names with InvalidImageName naming the part", () => {
  const cases: [string, RegExp][] = [
    ["", /empty/],
    ["busy box", /whitespace/],
    ["Busybox", /repository part "Busybox"/],
    ["quay.io/Org/x", /repository part "Org"/],
    ["busybox:", /tag "" is not valid/],
    ["busybox:-x", /tag "-x"/],
    ["busybox@sha256:abc", /digest/],
    [`busybox@sha512:${"a".repeat(128)}`, /digest/],
    ["a..b.io:x/y", /registry host/],
    ["quay.io/a//b", /repository part ""/],
    ["quay.io/a/", /repository part ""/],
    [`quay.io/${"a".repeat(256)}`, /longer than 255/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseImageReference(text), (error) => {
      assert.ok(error instanceof OciError);
      assert.equal(error.reason, "InvalidImageName");
      assert.equal(error.retryable, false);
      assert.match(error.message, message, text);
      return true;
    }, text);
  }
});

Deno.test("formatImageReference() writes the full form that parses back to the same reference", () => {
  for (const text of ["busybox", "quay.io/a/b:1", `localhost:5000/x@${DIGEST}`]) {
    const ref = parseImageReference(text);
    assert.deepEqual(parseImageReference(formatImageReference(ref)), ref);
  }
  assert.equal(
    formatImageReference(parseImageReference("busybox")),
    "docker.io/library/busybox:latest",
  );
});

Deno.test("apiHostOf() sends docker.io to registry-1.docker.io and keeps other hosts", () => {
  assert.equal(apiHostOf("docker.io"), "registry-1.docker.io");
  assert.equal(apiHostOf("127.0.0.1:5000"), "127.0.0.1:5000");
});

Deno.test("isApiUrlOf() matches the registry's host and port, a missing port being the scheme's default", () => {
  const cases: [string, string, boolean][] = [
    ["https://127.0.0.1:5000/v2/", "127.0.0.1:5000", true],
    ["http://127.0.0.1:5000/v2/", "127.0.0.1:5000", true],
    ["https://127.0.0.1:5001/v2/", "127.0.0.1:5000", false],
    ["https://localhost:5000/v2/", "127.0.0.1:5000", false],
    ["https://quay.io/v2/", "quay.io", true],
    ["https://quay.io:8443/v2/", "quay.io", false],
    ["https://Quay.IO/v2/", "quay.io", true],
    ["https://myreg/v2/", "myreg:443", true],
    ["http://myreg:443/v2/", "myreg:443", true],
    ["http://myreg/v2/", "myreg:443", false],
    ["https://registry-1.docker.io/v2/", "docker.io", true],
    ["https://[::1]:5000/v2/", "[::1]:5000", true],
  ];
  for (const [url, registry, expected] of cases) {
    assert.equal(isApiUrlOf(new URL(url), registry), expected, `${url} ${registry}`);
  }
});
