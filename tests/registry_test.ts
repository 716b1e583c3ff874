/**
 * containerDisk images built by stack/images/ and served by real registries (Debian's
 * docker-registry), read back by an independent client (skopeo) and unpacked by GNU tar.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import {
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  INSECURE_REGISTRIES_KEY,
  insecureRegistriesOf,
} from "../api/denovirt_config.ts";
import { ensureGuestFixture, type GuestFixture } from "../stack/fixture/mod.ts";
import { ensureFixtureImage, FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { sha256Digest } from "../stack/images/manifests.ts";
import type { ManifestForm } from "../stack/images/push.ts";
import { repositoryScope } from "../stack/images/challenge.ts";
import * as media from "../stack/images/media_types.ts";
import { type RegistryKind, TEST_TOKEN_SERVICE, withTestRegistry } from "./support/registry.ts";
import {
  type CopiedImage,
  layerListing,
  sameFileBytes,
  skopeoCopy,
  skopeoCopyFails,
  unpackLayer,
} from "./support/skopeo.ts";
import { testStack } from "./support/stack.ts";

const FORMS: ManifestForm[] = ["oci", "docker", "index", "list"];
/** The manifest skopeo keeps when it copies one platform out of an index or a list. */
const STORED_FORM: Record<ManifestForm, ManifestForm> = {
  oci: "oci",
  docker: "docker",
  index: "oci",
  list: "docker",
};

async function withTemp(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-registry-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The copy has one layer holding exactly disk/ and disk/<file> (107:107, 0444) equal to `disk`. */
async function assertCarriesDisk(copied: CopiedImage, fileName: string, disk: string) {
  assert.equal(copied.layerFiles.length, 1);
  const layer = copied.layerFiles[0]!;
  const size = (await Deno.stat(disk)).size;
  assert.deepEqual(await layerListing(layer), [
    "dr-xr-xr-x 107/107 0 disk/",
    `-r--r--r-- 107/107 ${size} disk/${fileName}`,
  ]);
  const out = join(copied.dir, "unpacked");
  await unpackLayer(layer, out);
  assert.ok(await sameFileBytes(join(out, "disk", fileName), disk), `disk/${fileName} differs`);
}

async function copiesEveryForm(kind: RegistryKind, fixture: GuestFixture) {
  await withTestRegistry(kind, async (registry) => {
    await withTemp(async (tmp) => {
      for (const form of FORMS) {
        const ref = registry.fixture.raw.references[form];
        const copied = await skopeoCopy(
          `docker://${ref}`,
          registry.skopeoSourceFlags(),
          join(tmp, form),
        );
        assert.equal(
          sha256Digest(copied.manifestBytes),
          registry.fixture.raw.digests[STORED_FORM[form]],
          `${ref}: skopeo stored another manifest than the one published`,
        );
        await assertCarriesDisk(copied, "disk.raw", fixture.diskRaw);
      }
      const qcow2 = await skopeoCopy(
        `docker://${registry.host}/${FIXTURE_REPOSITORY}:latest`,
        registry.skopeoSourceFlags(),
        join(tmp, "latest"),
      );
      assert.equal(qcow2.manifest.mediaType, media.OCI_MANIFEST);
      await assertCarriesDisk(qcow2, "disk.qcow2", fixture.diskQcow2);
    });
    if (registry.tokenServer) {
      const pulls = registry.tokenServer.issued.filter((t) =>
        t.subject === registry.credentials!.username &&
        t.access.some((a) => a.name === FIXTURE_REPOSITORY && a.actions.includes("pull"))
      );
      assert.ok(pulls.length > 0, "skopeo got no pull token from the token server");
    }
  });
}

Deno.test("a plain HTTP registry serves the fixture's containerDisk in all four manifest forms, byte for byte", async () => {
  await copiesEveryForm("plain", await ensureGuestFixture());
});

Deno.test("a TLS registry with htpasswd serves the fixture to skopeo trusting its CA, with the password", async () => {
  await copiesEveryForm("tls", await ensureGuestFixture());
});

Deno.test("a token registry serves the fixture to skopeo with credentials, through the token server", async () => {
  await copiesEveryForm("token", await ensureGuestFixture());
});

Deno.test("a TLS registry with htpasswd refuses a pull without the password and with a wrong one", async () => {
  await withTestRegistry("tls", async (registry) => {
    await withTemp(async (tmp) => {
      const source = `docker://${registry.fixture.latest.references.oci}`;
      const anonymous = await skopeoCopyFails(
        source,
        registry.skopeoSourceFlags({ anonymous: true }),
        join(tmp, "a"),
      );
      assert.notEqual(anonymous.code, 0);
      assert.match(anonymous.stderr, /unauthorized|authentication required/i);
      const wrong = await skopeoCopyFails(
        source,
        [`--src-cert-dir=${registry.certDir}`, "--src-creds=denovirt:wrong"],
        join(tmp, "b"),
      );
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /unauthorized|authentication required/i);
    });
  });
});

Deno.test("a token registry refuses skopeo's pull without credentials: its anonymous token grants nothing", async () => {
  await withTestRegistry("token", async (registry) => {
    await withTemp(async (tmp) => {
      const before = registry.tokenServer!.issued.length;
      const result = await skopeoCopyFails(
        `docker://${registry.fixture.latest.references.oci}`,
        registry.skopeoSourceFlags({ anonymous: true }),
        join(tmp, "copy"),
      );
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /unauthorized|authentication required|denied/i);
      const anonymous = registry.tokenServer!.issued.slice(before);
      assert.ok(anonymous.length > 0, "skopeo never asked the token server");
      assert.ok(anonymous.every((t) => t.subject === "" && t.access.length === 0));
    });
  });
});

Deno.test("docker-registry accepts the token server's pull token for its repository only", async () => {
  await withTestRegistry("token", async (registry) => {
    const { username, password } = registry.credentials!;
    const manifest = `${registry.url}/v2/${FIXTURE_REPOSITORY}/manifests/latest`;
    const accept = { accept: media.OCI_MANIFEST };
    const unauthenticated = await fetch(manifest, { headers: accept });
    await unauthenticated.body?.cancel();
    assert.equal(unauthenticated.status, 401);
    const challenge = unauthenticated.headers.get("www-authenticate") ?? "";
    assert.match(challenge, new RegExp(`^Bearer realm="${registry.tokenServer!.realm}"`));
    assert.match(challenge, new RegExp(`service="${TEST_TOKEN_SERVICE}"`));

    const tokenFor = async (repository: string) => {
      const url = new URL(registry.tokenServer!.realm);
      url.searchParams.set("service", TEST_TOKEN_SERVICE);
      url.searchParams.set("scope", repositoryScope(repository, ["pull"]));
      const response = await fetch(url, {
        headers: { authorization: `Basic ${btoa(`${username}:${password}`)}` },
      });
      assert.equal(response.status, 200);
      return ((await response.json()) as { token: string }).token;
    };
    const withToken = await fetch(manifest, {
      headers: { ...accept, authorization: `Bearer ${await tokenFor(FIXTURE_REPOSITORY)}` },
    });
    assert.equal(withToken.status, 200);
    assert.equal(sha256Digest(await withToken.bytes()), registry.fixture.latest.digests.oci);

    const otherRepository = await fetch(manifest, {
      headers: { ...accept, authorization: `Bearer ${await tokenFor("someone/else")}` },
    });
    await otherRepository.body?.cancel();
    assert.equal(otherRepository.status, 401);

    const badPassword = await fetch(
      `${registry.tokenServer!.realm}?service=${TEST_TOKEN_SERVICE}`,
      {
        headers: { authorization: `Basic ${btoa(`${username}:nope`)}` },
      },
    );
    await badPassword.body?.cancel();
    assert.equal(badPassword.status, 401);
  });
});

Deno.test("skopeo reads the OCI layout written for the fixture's qcow2 containerDisk", async () => {
  const fixture = await ensureGuestFixture();
  const layout = await ensureFixtureImage(fixture, "qcow2");
  await withTemp(async (tmp) => {
    const copied = await skopeoCopy(`oci:${layout.dir}:${layout.tag}`, [], join(tmp, "copy"));
    assert.equal(
      sha256Digest(copied.manifestBytes),
      layout.documents.ociManifest.descriptor.digest,
    );
    await assertCarriesDisk(copied, "disk.qcow2", fixture.diskQcow2);
  });
});

Deno.test("the local stack's registry serves denovirt/fixture:latest and denovirt-config lists it as insecure", async () => {
  const stack = await testStack();
  const host = `127.0.0.1:${stack.ports.registry}`;
  const fixture = await ensureGuestFixture();
  await withTemp(async (tmp) => {
    const copied = await skopeoCopy(
      `docker://${host}/${FIXTURE_REPOSITORY}:latest`,
      ["--src-tls-verify=false"],
      join(tmp, "copy"),
    );
    await assertCarriesDisk(copied, "disk.qcow2", fixture.diskQcow2);
  });
  const core = stack.admin.makeApiClient(CoreV1Api);
  const config = await core.readNamespacedConfigMap({
    name: DENOVIRT_CONFIG_MAP,
    namespace: DENOVIRT_NAMESPACE,
  });
  assert.deepEqual(insecureRegistriesOf(config.data?.[INSECURE_REGISTRIES_KEY]), [host]);
});
