import assert from "node:assert/strict";
import { fromFiles } from "./config.ts";

Deno.test("fromFiles() reads the current context and resolves relative paths against the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/config`;
    await Deno.writeTextFile(
      file,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443/", certificate-authority: ca.crt}}]
users: [{name: u, user: {client-certificate: /abs/u.crt, client-key: u.key}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: ns1}}]
current-context: x
`,
    );
    const kc = fromFiles([file]);
    assert.equal(kc.namespace, "ns1");
    assert.equal(kc.getCurrentCluster()?.server, "https://127.0.0.1:6443/");
    assert.equal(kc.getCurrentCluster()?.caFile, `${dir}/ca.crt`);
    assert.equal(kc.getCurrentUser()?.certFile, "/abs/u.crt");
    assert.equal(kc.getCurrentUser()?.keyFile, `${dir}/u.key`);
    assert.throws(() => fromFiles([file], "nope"), /no context "nope"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
