import assert from "node:assert/strict";
import { redactUrl, scrubberFor, secretsOfHttp, secretsOfRegistry } from "./redact.ts";

Deno.test("redactUrl() keeps scheme, host, port and path only", () => {
  assert.equal(
    redactUrl("https://user:pw@images.example:8443/a/disk.qcow2?sig=abc#frag"),
    "https://images.example:8443/a/disk.qcow2",
  );
  assert.equal(redactUrl("http://h/"), "http://h/");
  assert.equal(redactUrl("not a url ?token=x"), "(an invalid URL)");
});

Deno.test("redactUrl() shows docker:// URLs as the full image reference", () => {
  const cases: Array<[string, string]> = [
    [
      "docker://127.0.0.1:5000/denovirt/fixture:latest",
      "docker://127.0.0.1:5000/denovirt/fixture:latest",
    ],
    ["docker://quay.io/containerdisks/fedora", "docker://quay.io/containerdisks/fedora:latest"],
    ["docker://cirros", "docker://docker.io/library/cirros:latest"],
    ["docker://quay.io/d/f:40:", "docker://quay.io/d/f:40:"],
    ["docker://user:pw@quay.io/d/f", "(an invalid image URL)"],
  ];
  for (const [url, shown] of cases) assert.equal(redactUrl(url), shown, url);
});

Deno.test("scrubberFor() leaves a source URL without secrets as it is", () => {
  const cases = ["http://127.0.0.1:8080/404", "https://images.example/a/disk.qcow2"];
  for (const url of cases) {
    const scrub = scrubberFor(secretsOfHttp(url, {}), [url]);
    const text = `Cannot import ${url}: the server answered HTTP 404`;
    assert.equal(scrub(text), text);
  }
  const docker = "docker://127.0.0.1:5000/denovirt/fixture:latest";
  const scrub = scrubberFor(secretsOfRegistry({ username: "u", password: "pa55word" }), [docker]);
  assert.equal(scrub(`Cannot import ${docker}: no`), `Cannot import ${docker}: no`);
  assert.equal(scrub("sent pa55word as dTpwYTU1d29yZA=="), "sent [redacted] as [redacted]");
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
