import assert from "node:assert/strict";
import { parseChallenges, usableChallenge } from "./challenge.ts";

Deno.test("parseChallenges() reads Docker Hub's Bearer challenge with a quoted scope holding commas", () => {
  assert.deepEqual(
    parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",' +
        'scope="repository:samalba/my-app:pull,push"',
    ),
    [{
      scheme: "bearer",
      params: {
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scope: "repository:samalba/my-app:pull,push",
      },
    }],
  );
});

Deno.test("parseChallenges() reads several challenges, token values, spaces and escapes", () => {
  assert.deepEqual(
    parseChallenges(
      'Basic realm="Registry \\"R\\"" , Bearer realm=https://t.example/token, ' +
        "Service = reg",
    ),
    [
      { scheme: "basic", params: { realm: 'Registry "R"' } },
      { scheme: "bearer", params: { realm: "https://t.example/token", service: "reg" } },
    ],
  );
  assert.deepEqual(parseChallenges("Basic"), [{ scheme: "basic", params: {} }]);
  assert.deepEqual(parseChallenges(""), []);
  assert.deepEqual(parseChallenges('Bearer realm="unterminated'), [{
    scheme: "bearer",
    params: {},
  }]);
});

Deno.test("usableChallenge() picks Bearer with a realm or Basic, and nothing else", () => {
  assert.equal(usableChallenge(null), undefined);
  assert.equal(usableChallenge('Negotiate, Bearer service="x"'), undefined);
  assert.equal(usableChallenge('Negotiate, Basic realm="r"')?.scheme, "basic");
  assert.equal(usableChallenge('Bearer realm="https://a/t"')?.params.realm, "https://a/t");
});
