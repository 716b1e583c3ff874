import assert from "node:assert/strict";
import { join } from "node:path";
import type { Pod } from "../../api/mod.ts";
import { containerLogs } from "./container_logs.ts";

const APISERVER = { authorized: true, commonName: "kube-apiserver-kubelet-client" };
const POD = "virt-launcher-web-x2b4c";

function podWith(phase = "Running"): Pod {
  return {
    metadata: { name: POD, namespace: "ns" },
    spec: {
      containers: [{ name: "compute" }],
      initContainers: [{ name: "guest-console-log", restartPolicy: "Always" }],
    },
    status: { phase },
  } as Pod;
}

async function withLog(
  content: string,
  run: (
    handler: ReturnType<typeof containerLogs>,
    file: string,
    pod: { phase: string },
  ) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-logs-" });
  const file = join(dir, "serial.log");
  await Deno.writeTextFile(file, content);
  const state = { phase: "Running" };
  try {
    await run(
      containerLogs({
        podOf: (ns, name) => ns === "ns" && name === POD ? podWith(state.phase) : undefined,
        serialLogOf: () => file,
        pollMs: 10,
      }),
      file,
      state,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const get = (query = "", container = "guest-console-log", pod = POD) =>
  new Request(`https://10.250.0.1:10250/containerLogs/ns/${pod}/${container}${query}`);

Deno.test("containerLogs() answers guest-console-log with the serial log, its tail or its first bytes", () =>
  withLog("boot 1\nboot 2\nboot 3\n", async (handler) => {
    const all = await handler(get(), APISERVER);
    assert.equal(all.status, 200);
    assert.equal(await all.text(), "boot 1\nboot 2\nboot 3\n");
    assert.equal(await (await handler(get("?tailLines=1"), APISERVER)).text(), "boot 3\n");
    assert.equal(await (await handler(get("?limitBytes=4"), APISERVER)).text(), "boot");
    assert.equal(await (await handler(get("?stream=Stderr"), APISERVER)).text(), "");
    assert.equal(await (await handler(get("", "compute"), APISERVER)).text(), "");
  }));

Deno.test("containerLogs() follows the log as it grows and ends when the pod ends", () =>
  withLog("first\n", async (handler, file, pod) => {
    const response = await handler(get("?follow=true"), APISERVER);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await reader.read()).value, "first\n");
    await Deno.writeTextFile(file, "second\n", { append: true });
    assert.equal((await reader.read()).value, "second\n");
    pod.phase = "Succeeded";
    assert.equal((await reader.read()).done, true);
  }));

Deno.test("containerLogs() stops following when the client goes away", () =>
  withLog("first\n", async (handler) => {
    const gone = new AbortController();
    const request = new Request(get("?follow=true"), { signal: gone.signal });
    const reader = (await handler(request, APISERVER)).body!.getReader();
    await reader.read();
    gone.abort();
    assert.equal((await reader.read()).done, true);
  }));

Deno.test("containerLogs() answers strangers, unknown pods and containers, and refused options as a kubelet", () =>
  withLog("x\n", async (handler) => {
    const cases: Array<[Request, Parameters<typeof handler>[1], number, RegExp]> = [
      [get(), undefined, 401, /Unauthorized/],
      [get(), { authorized: false }, 401, /Unauthorized/],
      [get(), { authorized: true, commonName: "denovirt-admin" }, 403, /user=denovirt-admin/],
      [get("", "guest-console-log", "other"), APISERVER, 404, /pod "other" does not exist/],
      [get("", "sidecar"), APISERVER, 404, /container "sidecar" not found in pod/],
      [get("?timestamps=true"), APISERVER, 400, /not supported by denovirt/],
    ];
    for (const [request, peer, code, message] of cases) {
      const response = await handler(request, peer);
      assert.equal(response.status, code, request.url);
      assert.match(await response.text(), message);
    }
  }));
