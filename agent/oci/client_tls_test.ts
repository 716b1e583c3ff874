import assert from "node:assert/strict";
import { RegistryClient, type RegistryOptions } from "./client.ts";
import { parseImageReference } from "./reference.ts";
import { withRegistry } from "./test_registry.ts";
import { ociFails, testTls } from "./test_support.ts";
import { tarOf } from "./test_tar.ts";

const LAYER = {
  bytes: tarOf([{ name: "disk/a.img", data: "disk" }]),
  mediaType: "application/vnd.oci.image.layer.v1.tar",
};

/** Resolves `<name>/disks/img:v1` and reads its layer. */
async function pull(name: string, options: RegistryOptions) {
  const client = new RegistryClient(options);
  try {
    const ref = parseImageReference(`${name}/disks/img:v1`);
    const image = await client.resolve(ref);
    return new Uint8Array(
      await new Response(await client.blob(ref, image.layers[0]!)).arrayBuffer(),
    );
  } finally {
    client.close();
  }
}

Deno.test("RegistryClient trusts a registry's certificate through caCerts, redirects included", async () => {
  const tls = await testTls();
  await withRegistry(async (registry, name) => {
    registry.addImage("disks/img", "v1", [LAYER]);
    registry.redirectBlobs = true;
    assert.deepEqual(await pull(name, { caCerts: [tls.ca] }), LAYER.bytes);
    assert.equal(registry.paths("storage").length, 1);
  }, { tls });
});

Deno.test("RegistryClient refuses an untrusted certificate of a registry not listed as insecure", async () => {
  const tls = await testTls();
  await withRegistry(async (registry, name) => {
    registry.addImage("disks/img", "v1", [LAYER]);
    const error = await ociFails(pull(name, {}), "InsecureRegistry", false);
    assert.match(
      error.message,
      new RegExp(
        `the TLS certificate of ${name} is not trusted \\(UnknownIssuer\\), and ${name} is not listed in the insecure registries`,
      ),
    );
    // Listed as insecure, the same registry is used with its certificate unchecked.
    const insecure = (registry: string) => registry === name;
    assert.deepEqual(await pull(name, { insecure }), LAYER.bytes);
    assert.ok(registry.paths().every((path) => path.startsWith("/v2/")), "no plain HTTP was tried");
    // An answer over https is final: no fallback to plain HTTP.
    registry.intercept = () => new Response("busy", { status: 503 });
    const busy = await ociFails(pull(name, { insecure }), "RegistryUnavailable", true);
    assert.match(busy.message, /answered HTTP 503/);
  }, { tls });
});

Deno.test("RegistryClient uses plain HTTP only for a registry listed as insecure", () =>
  withRegistry(async (registry, name) => {
    registry.addImage("disks/img", "v1", [LAYER]);
    const error = await ociFails(pull(name, {}), "InsecureRegistry", false);
    assert.match(
      error.message,
      new RegExp(
        `${name} does not answer with TLS .*and ${name} is not listed in the insecure registries: list it as an insecure registry`,
      ),
    );
    assert.deepEqual(registry.seen, [], "nothing was sent in plain HTTP");
    assert.deepEqual(await pull(name, { insecure: (r) => r === name }), LAYER.bytes);
  }));

Deno.test("RegistryClient refuses a redirect to plain HTTP on a host not listed as insecure", async () => {
  const tls = await testTls();
  await withRegistry(async (registry, name) => {
    registry.addImage("disks/img", "v1", [LAYER]);
    registry.intercept = (url) =>
      url.pathname.includes("/blobs/")
        ? Response.redirect(`http://localhost:1/storage${url.pathname}`, 307)
        : undefined;
    const error = await ociFails(pull(name, { caCerts: [tls.ca] }), "InsecureRegistry", false);
    assert.match(
      error.message,
      /localhost:1 is reached over http, and localhost:1 is not listed in the insecure registries/,
    );
  }, { tls });
});

Deno.test("RegistryClient refuses CA certificates that are not PEM with InvalidCACertificate", async () => {
  await withRegistry(async (registry, name) => {
    registry.addImage("disks/img", "v1", [LAYER]);
    await ociFails(pull(name, { caCerts: ["not a certificate"] }), "InvalidCACertificate", false);
  }, { tls: await testTls() });
});
