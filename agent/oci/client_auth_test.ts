import assert from "node:assert/strict";
import { RegistryClient, type RegistryOptions } from "./client.ts";
import { MANIFEST_ACCEPT } from "./media_types.ts";
import { parseImageReference } from "./reference.ts";
import { withRegistry } from "./test_registry.ts";
import { ociFails } from "./test_support.ts";
import { tarOf } from "./test_tar.ts";

const LAYER = {
  bytes: tarOf([{ name: "disk/a.img", data: "disk" }]),
  mediaType: "application/vnd.oci.image.layer.v1.tar",
};

/** A client for the plain-HTTP fake registry (listed as insecure), closed after `fn`. */
async function withClient(options: RegistryOptions, fn: (client: RegistryClient) => Promise<void>) {
  const client = new RegistryClient({ insecure: () => true, ...options });
  try {
    await fn(client);
  } finally {
    client.close();
  }
}

/** Resolves `name/disks/cirros:v1` and reads all its blobs. */
async function pull(client: RegistryClient, name: string) {
  const ref = parseImageReference(`${name}/disks/cirros:v1`);
  const image = await client.resolve(ref);
  for (const layer of [image.config, ...image.layers]) {
    await new Response(await client.blob(ref, layer)).arrayBuffer();
  }
  return image;
}

const credentials = (username: string, password: string) => () => ({ username, password });

Deno.test("RegistryClient probes /v2/ and asks for OCI and Docker manifests without credentials where none are asked", () =>
  withRegistry(async (registry, name) => {
    const manifest = registry.addImage("disks/cirros", "v1", [LAYER]);
    await withClient({}, async (client) => {
      const image = await pull(client, name);
      assert.equal(image.digest, manifest.digest);
    });
    assert.deepEqual(registry.paths().slice(0, 2), ["/v2/", "/v2/disks/cirros/manifests/v1"]);
    assert.deepEqual(registry.seen[1]!.accept!.split(", ").sort(), [...MANIFEST_ACCEPT].sort());
    assert.ok(registry.seen.every((s) => s.authorization === null));
  }));

Deno.test("RegistryClient fetches one pull token for the repository with Basic credentials and reuses it", () =>
  withRegistry(async (registry, name) => {
    registry.addImage("disks/cirros", "v1", [LAYER]);
    registry.auth = { scheme: "bearer", username: "alice", password: "pa55" };
    await withClient({ credentials: credentials("alice", "pa55") }, async (client) => {
      await pull(client, name);
      await pull(client, name);
    });
    const tokenRequests = registry.seen.filter((s) => s.path === "/token");
    assert.equal(tokenRequests.length, 1, "the token is reused");
    assert.equal(tokenRequests[0]!.query.get("scope"), "repository:disks/cirros:pull");
    assert.equal(tokenRequests[0]!.query.get("service"), "fake-registry");
    assert.equal(tokenRequests[0]!.authorization, `Basic ${btoa("alice:pa55")}`);
    const pulls = registry.seen.filter((s) => s.path.startsWith("/v2/disks/"));
    assert.ok(pulls.length >= 6);
    assert.ok(pulls.every((s) => s.authorization === "Bearer token-1"));
  }));

Deno.test("RegistryClient takes access_token from the token server and asks it anonymously without credentials", () =>
  withRegistry(async (registry, name) => {
    registry.addImage("disks/cirros", "v1", [LAYER]);
    registry.auth = { scheme: "bearer", field: "access_token" };
    await withClient({}, (client) => pull(client, name).then(() => {}));
    assert.equal(registry.seen.find((s) => s.path === "/token")?.authorization, null);
  }));

Deno.test("RegistryClient reports refused token credentials as Unauthorized, not retryable, without secrets", () =>
  withRegistry(async (registry, name) => {
    registry.addImage("disks/cirros", "v1", [LAYER]);
    registry.auth = { scheme: "bearer", username: "alice", password: "pa55" };
    await withClient({ credentials: credentials("alice", "wrong-s3cret") }, async (client) => {
      const error = await ociFails(pull(client, name), "Unauthorized", false);
      assert.match(error.message, /Cannot pull image 127\.0\.0\.1:\d+\/disks\/cirros:v1/);
      assert.match(error.message, /token server of 127\.0\.0\.1:\d+ answered HTTP 401/);
      assert.match(error.message, /credentials were refused/);
      assert.doesNotMatch(error.message, /wrong-s3cret|alice/);
    });
  }));

Deno.test("RegistryClient answers a Basic challenge with the credentials and does not resend refused ones", () =>
  withRegistry(async (registry, name) => {
    registry.addImage("disks/cirros", "v1", [LAYER]);
    registry.auth = { scheme: "basic", username: "bob", password: "pw" };
    await withClient(
      { credentials: credentials("bob", "pw") },
      (c) => pull(c, name).then(() => {}),
    );
    const authorized = registry.seen.filter((s) => s.path !== "/v2/");
    assert.ok(authorized.every((s) => s.authorization === `Basic ${btoa("bob:pw")}`));

    registry.seen.length = 0;
    await withClient({ credentials: credentials("bob", "nope") }, async (client) => {
      const error = await ociFails(pull(client, name), "Unauthorized", false);
      assert.match(error.message, /answered HTTP 401 \(UNAUTHORIZED: authentication required\)/);
      assert.doesNotMatch(error.message, /nope/);
    });
    assert.deepEqual(registry.paths(), ["/v2/", "/v2/disks/cirros/manifests/v1"]);

    await withClient({}, async (client) => {
      const error = await ociFails(pull(client, name), "Unauthorized", false);
      assert.match(error.message, /no credentials are given for this registry/);
    });
  }));

Deno.test("RegistryClient learns a challenge the repository asks for after an open /v2/, and renews a refused token", () =>
  withRegistry(async (registry, name) => {
    registry.addImage("disks/cirros", "v1", [LAYER]);
    registry.auth = { scheme: "bearer" };
    // An open probe, as registries that authenticate per repository answer.
    registry.intercept = (url) => url.pathname === "/v2/" ? Response.json({}) : undefined;
    await withClient({}, async (client) => {
      await pull(client, name);
      // The registry forgets its tokens (they expired): the next request gets a fresh one.
      registry.tokens.clear();
      await pull(client, name);
    });
    assert.equal(registry.seen.filter((s) => s.path === "/token").length, 2);
  }));

Deno.test("RegistryClient fetches tokens from a plain-HTTP realm elsewhere when the registry itself is listed as insecure", () =>
  withRegistry(async (registry, name) => {
    registry.addImage("disks/cirros", "v1", [LAYER]);
    registry.auth = { scheme: "bearer", username: "alice", password: "pa55" };
    // The same server under another name: a token server on a host of its own.
    const realm = new URL("/token", registry.origin.replace("127.0.0.1", "localhost"));
    registry.realm = realm.href;
    const listed = new Set([name]);
    await withClient({
      credentials: credentials("alice", "pa55"),
      insecure: (host) => listed.has(host),
    }, async (client) => {
      await pull(client, name);
    });
    assert.ok(registry.seen.some((s) => s.path === "/token"), "the realm was asked");
  }));
