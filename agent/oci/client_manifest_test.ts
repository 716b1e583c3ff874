import assert from "node:assert/strict";
import { RegistryClient } from "./client.ts";
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_SCHEMA1,
  OCI_INDEX,
  OCI_MANIFEST,
} from "./media_types.ts";
import { parseImageReference } from "./reference.ts";
import { type FakeRegistry, withRegistry } from "./test_registry.ts";
import { ociFails, sha256 } from "./test_support.ts";
import { tarOf } from "./test_tar.ts";

const layer = (text: string) => ({
  bytes: tarOf([{ name: "disk/a.img", data: text }]),
  mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
});

/** Resolves `<registry>/disks/img:<tag>` with a client for the plain-HTTP fake registry. */
async function resolve(name: string, tag = "v1") {
  const client = new RegistryClient({ insecure: () => true });
  try {
    return await client.resolve(parseImageReference(`${name}/disks/img:${tag}`));
  } finally {
    client.close();
  }
}

/** Images for several platforms under one index of `type`; returns the amd64 manifest. */
function multiPlatform(registry: FakeRegistry, type: string) {
  const entry = (tag: string, platform: Record<string, string>) => ({
    ...registry.addImage("disks/img", "", [layer(tag)]),
    platform,
  });
  const amd64 = entry("amd64", { os: "linux", architecture: "amd64" });
  registry.addManifest("disks/img", ["v1"], {
    schemaVersion: 2,
    mediaType: type,
    manifests: [
      entry("arm64", { os: "linux", architecture: "arm64", variant: "v8" }),
      entry("v3", { os: "linux", architecture: "amd64", variant: "v3" }),
      amd64,
      entry("attestation", { os: "unknown", architecture: "unknown" }),
    ],
  }, type);
  return amd64;
}

Deno.test("RegistryClient.resolve() picks the variant-less linux/amd64 manifest of an OCI index and a Docker list", () =>
  withRegistry(async (registry, name) => {
    for (const type of [OCI_INDEX, DOCKER_MANIFEST_LIST]) {
      const amd64 = multiPlatform(registry, type);
      const image = await resolve(name);
      assert.equal(image.digest, amd64.digest, type);
      assert.equal(image.mediaType, OCI_MANIFEST);
      assert.equal(image.layers.length, 1);
      assert.equal(registry.paths().at(-1), `/v2/disks/img/manifests/${amd64.digest}`);
    }
  }));

Deno.test("RegistryClient.resolve() reads a Docker schema 2 manifest, by tag and by digest", () =>
  withRegistry(async (registry, name) => {
    const config = registry.addBlob(new TextEncoder().encode("{}"));
    const layers = [registry.addBlob(layer("x").bytes, layer("x").mediaType)];
    const manifest = registry.addManifest("disks/img", ["v1"], {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config,
      layers,
    }, DOCKER_MANIFEST);
    const image = await resolve(name);
    assert.deepEqual(image, {
      reference: parseImageReference(`${name}/disks/img:v1`),
      digest: manifest.digest,
      mediaType: DOCKER_MANIFEST,
      config,
      layers,
    });
    const client = new RegistryClient({ insecure: () => true });
    const byDigest = await client.resolve(
      parseImageReference(`${name}/disks/img@${manifest.digest}`),
    );
    client.close();
    assert.equal(byDigest.digest, manifest.digest);
  }));

Deno.test("RegistryClient.resolve() refuses an index without linux/amd64 with NoPlatform listing what it has", () =>
  withRegistry(async (registry, name) => {
    const arm = {
      ...registry.addImage("disks/img", "", [layer("a")]),
      platform: { os: "linux", architecture: "arm64" },
    };
    registry.addManifest("disks/img", ["v1"], {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [arm],
    }, OCI_INDEX);
    const error = await ociFails(resolve(name), "NoPlatform", false);
    assert.match(error.message, /has no linux\/amd64 manifest \(it has linux\/arm64\)/);
  }));

Deno.test("RegistryClient.resolve() refuses Docker schema 1 manifests with a clear UnsupportedManifest", () =>
  withRegistry(async (registry, name) => {
    const schema1 = {
      schemaVersion: 1,
      name: "disks/img",
      tag: "v1",
      fsLayers: [],
      signatures: [],
    };
    for (const type of [...DOCKER_SCHEMA1, "application/json"]) {
      registry.addManifest("disks/img", ["v1"], schema1, type);
      const error = await ociFails(resolve(name), "UnsupportedManifest", false);
      assert.match(
        error.message,
        /Docker schema 1 manifest, which is not supported: push the image again/,
      );
    }
    registry.addManifest("disks/img", ["v1"], {
      schemaVersion: 2,
      mediaType: "application/vnd.cncf.helm.chart",
    }, "x/y");
    const error = await ociFails(resolve(name), "UnsupportedManifest", false);
    assert.match(
      error.message,
      /media type "application\/vnd\.cncf\.helm\.chart" is not supported/,
    );
  }));

Deno.test("RegistryClient.resolve() checks the manifest's digest when fetched by digest or named by the registry", () =>
  withRegistry(async (registry, name) => {
    const amd64 = multiPlatform(registry, OCI_INDEX);
    // The index names the amd64 manifest, but other bytes come back under its digest.
    const other = registry.addImage("disks/img", "", [layer("tampered")]);
    registry.manifests.set(
      `disks/img:${amd64.digest}`,
      registry.manifests.get(`disks/img:${other.digest}`)!,
    );
    let error = await ociFails(resolve(name), "DigestMismatch", true);
    assert.match(
      error.message,
      new RegExp(`the manifest ${amd64.digest} arrived with the digest ${other.digest}`),
    );

    const wrong = sha256(new Uint8Array([1]));
    registry.digestHeader = wrong;
    registry.addImage("disks/img", "v2", [layer("v2")]);
    error = await ociFails(resolve(name, "v2"), "DigestMismatch", true);
    assert.match(error.message, /Docker-Content-Digest/);

    registry.digestHeader = "none";
    const v3 = registry.addImage("disks/img", "v3", [layer("v3")]);
    assert.equal((await resolve(name, "v3")).digest, v3.digest, "the digest is computed");
  }));

Deno.test("RegistryClient.resolve() names the registry's answer: 404 ImageNotFound, 5xx and 429 retryable", () =>
  withRegistry(async (registry, name) => {
    let error = await ociFails(resolve(name), "ImageNotFound", false);
    assert.match(
      error.message,
      /Cannot pull image 127\.0\.0\.1:\d+\/disks\/img:v1: 127\.0\.0\.1:\d+ answered HTTP 404 \(MANIFEST_UNKNOWN: manifest unknown\)/,
    );
    for (const status of [500, 503, 429]) {
      registry.intercept = (url) =>
        url.pathname.includes("/manifests/")
          ? Response.json({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }, {
            status,
          })
          : undefined;
      error = await ociFails(resolve(name), "RegistryUnavailable", true);
      assert.match(
        error.message,
        new RegExp(`answered HTTP ${status} \\(TOOMANYREQUESTS: slow down\\)`),
      );
    }
    registry.intercept = (url) =>
      url.pathname === "/v2/" ? new Response("no", { status: 404 }) : undefined;
    error = await ociFails(resolve(name), "RegistryError", false);
    assert.match(error.message, /does not serve the registry API at \/v2\//);
  }));
