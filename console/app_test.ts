import assert from "node:assert/strict";
import { consoleApp, isConsolePath } from "./app.ts";
import { CONSOLE_ASSETS } from "./assets.generated.ts";

const seen: string[] = [];
const app = consoleApp({
  assets: CONSOLE_ASSETS,
  api: (request) => (seen.push(new URL(request.url).pathname), Promise.resolve(new Response("ok"))),
});

Deno.test("consoleApp() serves the page gzip-encoded to browsers and plain to others", async () => {
  const zipped = await app.request("/console/", { headers: { "accept-encoding": "gzip, br" } });
  assert.equal(zipped.status, 200);
  assert.equal(zipped.headers.get("content-encoding"), "gzip");
  assert.match(zipped.headers.get("content-security-policy")!, /script-src 'self'/);
  const plain = await app.request("/console/");
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.match(await plain.text(), /<title>denovirt console<\/title>/);
  assert.equal(
    (await app.request("/console/novnc.js")).headers.get("content-type"),
    "text/javascript; charset=utf-8",
  );
});

Deno.test("consoleApp() redirects /console, answers 404 for unknown files and hands /console/api/ to the proxy", async () => {
  const redirect = await app.request("/console");
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get("location"), "/console/");
  assert.equal((await app.request("/console/nope.js")).status, 404);
  await app.request("/console/api/apis/kubevirt.io/v1/virtualmachines");
  assert.deepEqual(seen, ["/console/api/apis/kubevirt.io/v1/virtualmachines"]);
});

Deno.test("isConsolePath() takes /console and below, nothing else", () => {
  assert.deepEqual(
    ["/console", "/console/", "/console/api/x", "/consoles", "/apis/x"].map(isConsolePath),
    [true, true, true, false, false],
  );
});
