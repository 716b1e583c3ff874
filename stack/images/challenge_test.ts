import assert from "node:assert/strict";
import { parseChallenges, repositoryScope } from "./challenge.ts";

Deno.test("parseChallenges() reads a distribution registry's Bearer challenge", () => {
  const header =
    'Bearer realm="http://127.0.0.1:5001/token",service="denovirt-registry",scope="repository:denovirt/fixture:pull"';
  assert.deepEqual(parseChallenges(header), [{
    scheme: "bearer",
    params: {
      realm: "http://127.0.0.1:5001/token",
      service: "denovirt-registry",
      scope: "repository:denovirt/fixture:pull",
    },
  }]);
});

Deno.test("parseChallenges() reads Basic, unquoted values, escapes and several challenges", () => {
  assert.deepEqual(parseChallenges('Basic realm="a \\"b\\""'), [
    { scheme: "basic", params: { realm: 'a "b"' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm=x, Bearer realm="https://t/token", service=r'), [
    { scheme: "basic", params: { realm: "x" } },
    { scheme: "bearer", params: { realm: "https://t/token", service: "r" } },
  ]);
  assert.deepEqual(parseChallenges(""), []);
});

Deno.test("repositoryScope() names the repository and the actions, comma-separated", () => {
  assert.equal(repositoryScope("a/b", ["pull", "push"]), "repository:a/b:pull,push");
});
