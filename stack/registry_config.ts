/**
 * The config file of a CNCF distribution registry (Debian's `docker-registry`) on loopback:
 * our own, always, since the packaged one points htpasswd at a directory.
 */
import { stringify } from "yaml";

/** How clients prove who they are: nobody needs to, a bcrypt htpasswd file, or bearer tokens. */
export type RegistryAuth =
  | { htpasswd: { file: string; realm?: string } }
  | {
    token: {
      /** Where clients get tokens (the `realm` of the Bearer challenge). */
      realm: string;
      /** The token's `aud` and the challenge's `service`. */
      service: string;
      /** The token's `iss`. */
      issuer: string;
      /** PEM certificates the tokens' signing certificate chains up to. */
      rootCertBundle: string;
    };
  };

export interface RegistryConfigOptions {
  port: number;
  storageDir: string;
  /** Serve HTTPS with this certificate and key (PEM files); plain HTTP without. */
  tls?: { certFile: string; keyFile: string };
  auth?: RegistryAuth;
  /** Signs upload state between requests; without one the registry makes a random one and warns. */
  secret?: string;
}

/** The registry's config as YAML text. */
export function registryConfigYaml(options: RegistryConfigOptions): string {
  const http: Record<string, unknown> = {
    addr: `127.0.0.1:${options.port}`,
    headers: { "X-Content-Type-Options": ["nosniff"] },
  };
  if (options.secret) http.secret = options.secret;
  if (options.tls) {
    http.tls = { certificate: options.tls.certFile, key: options.tls.keyFile };
  }
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: "info", fields: { service: "registry" } },
    storage: {
      filesystem: { rootdirectory: options.storageDir },
      delete: { enabled: true },
      // Nothing runs in the background that a test could race with.
      maintenance: { uploadpurging: { enabled: false } },
    },
    http,
  };
  if (options.auth) config.auth = authSection(options.auth);
  return stringify(config);
}

function authSection(auth: RegistryAuth) {
  if ("htpasswd" in auth) {
    return { htpasswd: { realm: auth.htpasswd.realm ?? "denovirt", path: auth.htpasswd.file } };
  }
  const { realm, service, issuer, rootCertBundle } = auth.token;
  return { token: { realm, service, issuer, rootcertbundle: rootCertBundle } };
}
