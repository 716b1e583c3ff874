import assert from "node:assert/strict";
import { lastLines, LogRequestError, logRequestOf } from "./log_request.ts";

const url = (query = "", path = "/containerLogs/ns/virt-launcher-web-x2b4c/guest-console-log") =>
  new URL(`https://10.250.0.1:10250${path}${query}`);

Deno.test("logRequestOf() reads the pod, the container and the options kube-apiserver sends", () => {
  assert.deepEqual(logRequestOf(url()), {
    namespace: "ns",
    pod: "virt-launcher-web-x2b4c",
    container: "guest-console-log",
    follow: false,
    stderrOnly: false,
  });
  assert.deepEqual(
    logRequestOf(url("?follow=true&tailLines=10&limitBytes=500&stream=Stdout&previous=false")),
    {
      namespace: "ns",
      pod: "virt-launcher-web-x2b4c",
      container: "guest-console-log",
      follow: true,
      tailLines: 10,
      limitBytes: 500,
      stderrOnly: false,
    },
  );
  assert.equal(logRequestOf(url("?stream=Stderr")).stderrOnly, true);
});

Deno.test("logRequestOf() refuses what the serial log cannot honour and malformed options", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["?previous=true", 400, /previous terminated container "guest-console-log" in pod/],
    ["?timestamps=true", 400, /timestamps is not supported by denovirt/],
    ["?sinceSeconds=60", 400, /sinceSeconds is not supported by denovirt/],
    ["?sinceTime=2026-01-01T00:00:00Z", 400, /sinceTime is not supported by denovirt/],
    ["?tailLines=-1", 400, /Invalid tailLines/],
    ["?tailLines=ten", 400, /Invalid tailLines/],
    ["?limitBytes=0", 400, /Invalid limitBytes/],
    ["?follow=maybe", 400, /Invalid follow/],
    ["?stream=Both", 400, /Invalid stream/],
  ];
  for (const [query, code, message] of cases) {
    assert.throws(
      () => logRequestOf(url(query)),
      (error) =>
        error instanceof LogRequestError && error.code === code && message.test(error.message),
      query,
    );
  }
  assert.throws(
    () => logRequestOf(url("", "/containerLogs/ns/pod")),
    (error) => error instanceof LogRequestError && error.code === 404,
  );
});

Deno.test("lastLines() keeps the last lines, a trailing newline ending the last one", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  const read = (s: string, n: number) => new TextDecoder().decode(lastLines(text(s), n));
  assert.equal(read("a\nb\nc\n", 2), "b\nc\n");
  assert.equal(read("a\nb\nc", 2), "b\nc");
  assert.equal(read("a\nb\nc\n", 5), "a\nb\nc\n");
  assert.equal(read("a\nb\nc\n", 0), "");
  assert.equal(read("", 3), "");
  assert.equal(read("\n\n", 1), "\n");
});
