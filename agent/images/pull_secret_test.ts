import assert from "node:assert/strict";
import { credentialsOfPullSecret, PullSecretError, registryOfKey } from "./pull_secret.ts";

const b64 = (text: string) => btoa(text);

Deno.test("credentialsOfPullSecret() reads dockerconfigjson auths by host, in both forms", () => {
  const config = {
    auths: {
      "127.0.0.1:5000": { auth: b64("alice:s3cr:et") },
      "https://index.docker.io/v1/": { username: "bob", password: "pw" },
    },
  };
  const found = credentialsOfPullSecret("ns/pull", {
    ".dockerconfigjson": b64(JSON.stringify(config)),
  });
  assert.deepEqual(found.get("127.0.0.1:5000"), { username: "alice", password: "s3cr:et" });
  assert.deepEqual(found.get("docker.io"), { username: "bob", password: "pw" });
});

Deno.test("credentialsOfPullSecret() refuses what is not a pull secret, without showing values", () => {
  assert.throws(() => credentialsOfPullSecret("ns/x", { token: "abc" }), PullSecretError);
  assert.throws(
    () => credentialsOfPullSecret("ns/x", { ".dockerconfigjson": b64("not json hunter2") }),
    (error: Error) => error instanceof PullSecretError && !error.message.includes("hunter2"),
  );
});

Deno.test("registryOfKey() maps URLs and Docker Hub's names to the host", () => {
  assert.equal(registryOfKey("https://registry.example.com/v2/"), "registry.example.com");
  assert.equal(registryOfKey("Registry.Example.com:5000"), "registry.example.com:5000");
  assert.equal(registryOfKey("registry-1.docker.io"), "docker.io");
});
