/**
 * Real OCI registries for integration tests (Debian's docker-registry on 127.0.0.1), each with
 * the guest fixture published as a containerDisk image:
 * - `plain`: HTTP, no authentication
 * - `tls`: HTTPS with a certificate of a test CA, and htpasswd (bcrypt) Basic authentication
 * - `token`: HTTP with Docker token authentication, tokens from a loopback token server
 *
 * The fixture is `denovirt/fixture` with tags `qcow2` and `raw` (the disk in that format) and
 * `latest` (the qcow2 one), each also as `<tag>-docker`, `<tag>-index` and `<tag>-list`
 * (stack/images/push.ts).
 */
import { join } from "node:path";
import { ensureGuestFixture } from "../../stack/fixture/mod.ts";
import { type FixtureDiskFormat, publishFixture } from "../../stack/images/fixture_images.ts";
import type { ImageLayout } from "../../stack/images/layout.ts";
import { type PublishedImage, pushImage } from "../../stack/images/push.ts";
import type { RegistryTarget } from "../../stack/images/registry_session.ts";
import { ensurePki, LOOPBACK_SANS, pkiFiles } from "../../stack/pki.ts";
import { stackPaths } from "../../stack/paths.ts";
import { freeLoopbackPort } from "../../stack/ports.ts";
import {
  type RegistryOptions,
  startRegistry,
  stopRegistry,
  writeHtpasswd,
} from "../../stack/registry.ts";
import { startTokenServer, type TokenServer } from "./token_server.ts";

export type RegistryKind = "plain" | "tls" | "token";

/** The token registry's `service` and `issuer`, as tokens must name them. */
export const TEST_TOKEN_SERVICE = "denovirt-test-registry";
export const TEST_TOKEN_ISSUER = "denovirt-test-token-server";

export interface TestRegistry {
  kind: RegistryKind;
  /** `127.0.0.1:<port>`, the host part of image references. */
  host: string;
  /** `http://127.0.0.1:<port>` or `https://...`. */
  url: string;
  /** What `pushImage` needs to publish here (credentials and CA included). */
  target: RegistryTarget;
  /** User and password of the `tls` and `token` registries. */
  credentials?: { username: string; password: string };
  /** The `tls` registry's CA (PEM), and a directory holding only it as `ca.crt` (skopeo's cert dir). */
  caPem?: string;
  certDir?: string;
  tokenServer?: TokenServer;
  /** The fixture as published here, by tag. */
  fixture: Record<FixtureDiskFormat | "latest", PublishedImage>;
  /** skopeo's flags to read from here, with the credentials unless `anonymous`. */
  skopeoSourceFlags(options?: { anonymous?: boolean }): string[];
  /** Publish another image (a broken one, say) in all four forms. */
  publish(image: ImageLayout, repository: string, tag: string): Promise<PublishedImage>;
  /** Stop the registry (and token server) and remove their files. */
  close(): Promise<void>;
}

const NAME = "registry";

/** Start a registry of this kind with the fixture published; `close()` it when done. */
export async function startTestRegistry(kind: RegistryKind): Promise<TestRegistry> {
  const home = await Deno.makeTempDir({ prefix: `denovirt-registry-${kind}-` });
  const paths = stackPaths(home);
  let tokenServer: TokenServer | undefined;
  const close = async () => {
    await stopRegistry(paths, NAME);
    await tokenServer?.close();
    await Deno.remove(home, { recursive: true }).catch(() => {});
  };
  try {
    const credentials = { username: "denovirt", password: crypto.randomUUID() };
    const setup = await setupOf(kind, home, credentials);
    tokenServer = setup.tokenServer;
    const endpoint = await startOnFreePort(paths, {
      dir: join(home, "registry"),
      ...setup.options,
    });
    const target: RegistryTarget = {
      url: endpoint.url,
      ...(kind === "plain" ? {} : { credentials }),
      ...(setup.caPem ? { caCerts: [setup.caPem] } : {}),
    };
    const fixture = await ensureGuestFixture();
    const registry: TestRegistry = {
      kind,
      host: endpoint.host,
      url: endpoint.url,
      target,
      credentials: kind === "plain" ? undefined : credentials,
      caPem: setup.caPem,
      certDir: setup.certDir,
      tokenServer,
      fixture: {
        qcow2: await publishFixture(fixture, target, "qcow2", "qcow2"),
        raw: await publishFixture(fixture, target, "raw", "raw"),
        latest: await publishFixture(fixture, target, "qcow2", "latest"),
      },
      skopeoSourceFlags: (options = {}) => [
        setup.certDir ? `--src-cert-dir=${setup.certDir}` : "--src-tls-verify=false",
        ...(kind !== "plain" && !options.anonymous
          ? [`--src-creds=${credentials.username}:${credentials.password}`]
          : []),
      ],
      publish: (image, repository, tag) => pushImage(image, target, repository, tag),
      close,
    };
    return registry;
  } catch (error) {
    await close();
    throw error;
  }
}

/** Run `fn` with a registry of this kind, closed afterwards whatever happens. */
export async function withTestRegistry<T>(
  kind: RegistryKind,
  fn: (registry: TestRegistry) => Promise<T>,
): Promise<T> {
  const registry = await startTestRegistry(kind);
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}

interface Setup {
  options: Omit<RegistryOptions, "dir" | "port">;
  caPem?: string;
  certDir?: string;
  tokenServer?: TokenServer;
}

/** Certificates, password file and token server a kind of registry needs. */
async function setupOf(
  kind: RegistryKind,
  home: string,
  credentials: { username: string; password: string },
): Promise<Setup> {
  if (kind === "plain") return { options: {} };
  const pkiDir = join(home, "pki");
  await ensurePki(pkiDir, [{ name: "registry", sans: LOOPBACK_SANS }], []);
  const pki = pkiFiles(pkiDir);
  if (kind === "tls") {
    const htpasswd = join(home, "htpasswd");
    await writeHtpasswd(htpasswd, credentials.username, credentials.password);
    const certDir = join(home, "certs.d");
    await Deno.mkdir(certDir);
    await Deno.copyFile(pki.caCert, join(certDir, "ca.crt"));
    return {
      options: {
        tls: { certFile: pki.cert("registry"), keyFile: pki.key("registry") },
        caFile: pki.caCert,
        auth: { htpasswd: { file: htpasswd } },
      },
      caPem: await Deno.readTextFile(pki.caCert),
      certDir,
    };
  }
  // The registry's leaf key signs tokens here too: any key whose certificate chains to the
  // root bundle will do, and this one is already made.
  const tokenServer = startTokenServer({
    service: TEST_TOKEN_SERVICE,
    issuer: TEST_TOKEN_ISSUER,
    signer: {
      certPem: await Deno.readTextFile(pki.cert("registry")),
      keyPem: await Deno.readTextFile(pki.key("registry")),
    },
    users: { [credentials.username]: credentials.password },
  });
  return {
    options: {
      auth: {
        token: {
          realm: tokenServer.realm,
          service: TEST_TOKEN_SERVICE,
          issuer: TEST_TOKEN_ISSUER,
          rootCertBundle: pki.caCert,
        },
      },
    },
    tokenServer,
  };
}

/** Start on a free loopback port, trying another if one was taken in the meantime. */
async function startOnFreePort(
  paths: ReturnType<typeof stackPaths>,
  options: Omit<RegistryOptions, "port">,
) {
  for (let attempt = 1;; attempt++) {
    try {
      return await startRegistry(paths, NAME, { ...options, port: freeLoopbackPort() });
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}
