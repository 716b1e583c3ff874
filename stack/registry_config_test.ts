import assert from "node:assert/strict";
import { parse } from "yaml";
import { registryConfigYaml } from "./registry_config.ts";

Deno.test("registryConfigYaml() listens on loopback only, with its own storage and plain HTTP", () => {
  const config = parse(registryConfigYaml({ port: 5123, storageDir: "/srv/reg/storage" }));
  assert.equal(config.version, 0.1);
  assert.equal(config.http.addr, "127.0.0.1:5123");
  assert.equal(config.http.tls, undefined);
  assert.deepEqual(config.storage.filesystem, { rootdirectory: "/srv/reg/storage" });
  assert.equal(config.auth, undefined);
});

Deno.test("registryConfigYaml() serves TLS with the given certificate and key", () => {
  const config = parse(registryConfigYaml({
    port: 1,
    storageDir: "/s",
    tls: { certFile: "/pki/r.crt", keyFile: "/pki/r.key" },
    secret: "s3",
  }));
  assert.deepEqual(config.http.tls, { certificate: "/pki/r.crt", key: "/pki/r.key" });
  assert.equal(config.http.secret, "s3");
});

Deno.test("registryConfigYaml() points htpasswd auth at the file, never a directory", () => {
  const config = parse(registryConfigYaml({
    port: 1,
    storageDir: "/s",
    auth: { htpasswd: { file: "/r/htpasswd" } },
  }));
  assert.deepEqual(config.auth, { htpasswd: { realm: "denovirt", path: "/r/htpasswd" } });
});

Deno.test("registryConfigYaml() writes token auth with realm, service, issuer and root bundle", () => {
  const config = parse(registryConfigYaml({
    port: 1,
    storageDir: "/s",
    auth: {
      token: {
        realm: "http://127.0.0.1:9/token",
        service: "svc",
        issuer: "iss",
        rootCertBundle: "/pki/ca.crt",
      },
    },
  }));
  assert.deepEqual(config.auth, {
    token: {
      realm: "http://127.0.0.1:9/token",
      service: "svc",
      issuer: "iss",
      rootcertbundle: "/pki/ca.crt",
    },
  });
});
