import assert from "node:assert/strict";
import { createPublicKey, verify, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { decodeBase64 } from "../../lib/base64.ts";
import { ensurePki, pkiFiles } from "../../stack/pki.ts";
import { grantedAccess, parseScope, signToken, tokenClaims } from "./registry_token.ts";

const fromBase64Url = (text: string) =>
  decodeBase64(
    text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "="),
  );

Deno.test("parseScope() splits type, name and actions; names may hold slashes", () => {
  assert.deepEqual(parseScope("repository:denovirt/fixture:pull,push"), {
    type: "repository",
    name: "denovirt/fixture",
    actions: ["pull", "push"],
  });
  assert.equal(parseScope("registry"), undefined);
  assert.equal(parseScope("repository::pull"), undefined);
});

Deno.test("grantedAccess() grants only allowed actions on repositories, nothing to an anonymous caller", () => {
  const scopes = ["repository:a/b:pull,push,delete", "registry:catalog:*"];
  assert.deepEqual(grantedAccess(scopes, ["pull", "push"]), [
    { type: "repository", name: "a/b", actions: ["pull", "push"] },
  ]);
  assert.deepEqual(grantedAccess(scopes, []), []);
});

Deno.test("signToken() makes an ES256 JWS the signer's certificate verifies, with the certificate in x5c", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-token-" });
  try {
    await ensurePki(dir, [{ name: "signer", sans: [] }], []);
    const pki = pkiFiles(dir);
    const certPem = await Deno.readTextFile(pki.cert("signer"));
    const claims = tokenClaims({
      issuer: "iss",
      service: "svc",
      subject: "alice",
      access: [{ type: "repository", name: "a/b", actions: ["pull"] }],
      now: 1_000,
      lifetimeSeconds: 300,
    });
    const token = signToken(claims, {
      certPem,
      keyPem: await Deno.readTextFile(pki.key("signer")),
    });
    const [header, payload, signature] = token.split(".");
    const parsedHeader = JSON.parse(new TextDecoder().decode(fromBase64Url(header!)));
    assert.equal(parsedHeader.alg, "ES256");
    const x5c = new X509Certificate(decodeBase64(parsedHeader.x5c[0]));
    assert.ok(x5c.verify(createPublicKey(await Deno.readTextFile(join(dir, "ca.crt")))));
    const signed = new TextEncoder().encode(`${header}.${payload}`);
    const rawSignature = fromBase64Url(signature!);
    assert.equal(rawSignature.length, 64);
    assert.ok(
      verify("sha256", signed, { key: x5c.publicKey, dsaEncoding: "ieee-p1363" }, rawSignature),
    );
    const body = JSON.parse(new TextDecoder().decode(fromBase64Url(payload!)));
    assert.deepEqual(
      [body.iss, body.sub, body.aud, body.nbf, body.iat, body.exp],
      ["iss", "alice", "svc", 1_000, 1_000, 1_300],
    );
    assert.deepEqual(body.access, [{ type: "repository", name: "a/b", actions: ["pull"] }]);
    assert.ok(body.jti);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
