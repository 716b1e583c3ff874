import assert from "node:assert/strict";
import { redactUrl, scrubberFor, secretsOfHttp } from "./redact.ts";

Deno.test("redactUrl() keeps scheme, host, port and path only", () => {
  assert.equal(
    redactUrl("https://user:pw@images.example:8443/a/disk.qcow2?sig=abc#frag"),
    "https://images.example:8443/a/disk.qcow2",
  );
  assert.equal(redactUrl("http://h/"), "http://h/");
  assert.equal(redactUrl("not a url ?token=x"), "(an invalid URL)");
});

Deno.test("scrubberFor() removes secrets and every URL's query string from a text", () => {
  const url = "https://h.example/disk.img?X-Amz-Signature=s3cr3t-sig&a=b)c";
  const scrub = scrubberFor(secretsOfHttp(url, { Authorization: "Bearer t0ken-value" }), [url]);
  const text = `error sending request for url (${url}): saw t0ken-value and ` +
    "https://other.example/x?y=z";
  const out = scrub(text);
  assert.equal(
    out,
    "error sending request for url (https://h.example/disk.img): saw [redacted] and " +
      "https://other.example/x",
  );
  assert.equal(scrub("Basic auth failed"), "Basic auth failed", "scheme words stay");
});

Deno.test("scrubberFor() leaves a source URL without secrets as it is", () => {
  const cases = ["http://127.0.0.1:8080/404", "https://images.example/a/disk.qcow2"];
  for (const url of cases) {
    const scrub = scrubberFor(secretsOfHttp(url, {}), [url]);
    const text = `Cannot import ${url}: the server answered HTTP 404`;
    assert.equal(scrub(text), text);
  }
});
