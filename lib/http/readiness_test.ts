import assert from "node:assert/strict";
import {
  cachedCheck,
  certificateCheck,
  firstNotReady,
  type ReadinessCheck,
  readyzResponse,
} from "./readiness.ts";

const answer = (reason?: string): ReadinessCheck => () => Promise.resolve(reason);
/** A self-signed certificate valid from 2026-12-06T03:22:43Z to 2036-12-03T03:22:43Z. */
const PEM = Deno.readTextFileSync(new URL("./testdata/serving.crt", import.meta.url));

Deno.test("firstNotReady() gives the first failing check's reason, and none when all pass", async () => {
  assert.equal(await firstNotReady([answer(), answer()])(), undefined);
  assert.equal(await firstNotReady([answer(), answer("b"), answer("c")])(), "b");
});

Deno.test("cachedCheck() asks once per period, shares the answer in flight, and turns throws into reasons", async () => {
  let clock = 0;
  let calls = 0;
  const check = cachedCheck(
    () => {
      calls++;
      return calls === 1
        ? Promise.reject(new Error("API server down"))
        : Promise.resolve(undefined);
    },
    1_000,
    () => clock,
  );
  const [a, b] = await Promise.all([check(), check()]);
  assert.deepEqual([a, b, calls], ["API server down", "API server down", 1]);
  clock = 999;
  assert.equal(await check(), "API server down");
  clock = 1_000;
  assert.equal(await check(), undefined);
  assert.equal(calls, 2);
});

Deno.test("certificateCheck() refuses a certificate before and after its validity, and garbage", async () => {
  const at = (iso: string) => () => new Date(iso);
  assert.equal(await certificateCheck(PEM, at("2030-01-01T00:00:00Z"))(), undefined);
  assert.equal(
    await certificateCheck(PEM, at("2026-12-06T03:22:42Z"))(),
    "the serving certificate is not valid before 2026-12-06T03:22:43.000Z",
  );
  assert.equal(
    await certificateCheck(PEM, at("2036-12-03T03:22:44Z"))(),
    "the serving certificate expired at 2036-12-03T03:22:43.000Z",
  );
  assert.match((await certificateCheck("not a certificate")())!, /cannot be read/);
});

Deno.test("readyzResponse() answers 200 ok, or 503 with the reason", async () => {
  const ok = await readyzResponse(answer());
  assert.deepEqual([ok.status, await ok.text()], [200, "ok"]);
  const down = await readyzResponse(answer("the API server is unreachable"));
  assert.deepEqual([down.status, await down.text()], [
    503,
    "not ready: the API server is unreachable",
  ]);
  const broken = await readyzResponse(() => Promise.reject(new Error("bug")));
  assert.deepEqual([broken.status, await broken.text()], [503, "not ready: bug"]);
  assert.equal((await readyzResponse()).status, 200);
});
