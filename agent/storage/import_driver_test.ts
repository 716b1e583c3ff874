import assert from "node:assert/strict";
import type { PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import {
  ANN_ENDPOINT,
  ANN_POD_PHASE,
  ANN_POD_RESTARTS,
  ANN_PROGRESS,
  ANN_RUNNING_CONDITION,
  ANN_RUNNING_MESSAGE,
  ANN_RUNNING_REASON,
  ANN_SECRET,
} from "../../api/storage_annotations.ts";
import type { Logger } from "../../lib/log.ts";
import { ImportError, type ImportRequest, type ImportResult } from "../import/types.ts";
import { ImportDriver } from "./import_driver.ts";
import { boundClaim, NODE, VOLUMES_DIR } from "./testdata.ts";

const quiet: Logger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  with: () => quiet,
};

const RESULT: ImportResult = {
  format: "qcow2",
  compression: "none",
  transferredBytes: 10,
  virtualSizeBytes: 10,
};

/** One call of the fake engine, finished by the test. */
interface Call {
  request: ImportRequest;
  resolve(result: ImportResult): void;
  reject(error: unknown): void;
}

/** A driver over in-memory claims, a fake engine and recorded writes. */
function harness(opts: { concurrency?: number; secrets?: Record<string, string> } = {}) {
  const claims = new Map<string, { pvc: PersistentVolumeClaim; pv: PersistentVolume }>();
  const writes: Array<{ claim: string; changes: Record<string, string> }> = [];
  const calls: Call[] = [];
  const events: Array<{ type: string; reason: string; message: string }> = [];
  const ready: string[] = [];
  let rv = 100;
  let callArrived: (() => void) | undefined;
  const driver = new ImportDriver({
    run(request) {
      return new Promise((resolve, reject) => {
        const call = { request, resolve, reject };
        calls.push(call);
        request.signal.addEventListener("abort", () => reject(request.signal.reason));
        callArrived?.();
      });
    },
    node: NODE,
    volumesDir: VOLUMES_DIR,
    lookups: {
      getSecret: (_ns, name) =>
        Promise.resolve(
          name === "creds" && Object.keys(opts.secrets ?? {}).length ? opts.secrets : undefined,
        ),
      getConfigMap: () => Promise.resolve(undefined),
      claim: (ns, name) => claims.get(`${ns}/${name}`) ?? { pvc: undefined, pv: undefined },
    },
    patchAnnotations(pvc, changes) {
      const key = `${pvc.metadata?.namespace}/${pvc.metadata?.name}`;
      writes.push({ claim: key, changes });
      const entry = claims.get(key)!;
      entry.pvc = {
        ...entry.pvc,
        metadata: {
          ...entry.pvc.metadata,
          resourceVersion: String(++rv),
          annotations: { ...entry.pvc.metadata?.annotations, ...changes },
        },
      };
      return Promise.resolve(entry.pvc);
    },
    events: {
      normal: (_obj, reason, message) => {
        events.push({ type: "Normal", reason, message });
        return Promise.resolve();
      },
      warning: (_obj, reason, message) => {
        events.push({ type: "Warning", reason, message });
        return Promise.resolve();
      },
    },
    log: quiet,
    onClaimReady: (namespace, name) => ready.push(`${namespace}/${name}`),
    concurrency: opts.concurrency ?? 2,
    retry: { baseMs: 5, maxMs: 5, jitter: 0 },
    waitRetry: { baseMs: 5, maxMs: 5, jitter: 0 },
    progressIntervalMs: 0,
  });
  return {
    driver,
    claims,
    writes,
    calls,
    events,
    ready,
    add(name: string, annotations: Record<string, string>) {
      const claim = boundClaim({ name, uid: `uid-${name}`, annotations });
      claims.set(`default/${name}`, claim);
      driver.sync(`default/${name}`);
      return claim;
    },
    annotationsOf: (name: string) => claims.get(`default/${name}`)!.pvc.metadata!.annotations!,
    /** Resolves once the engine was called `n` times in all. */
    calledTimes(n: number): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (calls.length >= n) resolve();
          else callArrived = check;
        };
        check();
      });
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const http = { [ANN_ENDPOINT]: "https://images.example/disk.img" };

Deno.test("ImportDriver runs an import and writes Running, progress and Succeeded", async () => {
  const h = harness();
  h.add("disk", http);
  await h.calledTimes(1);
  const call = h.calls[0]!;
  assert.equal(call.request.targetDir, `${VOLUMES_DIR}/pvc-uid-disk`);
  assert.equal(call.request.capacityBytes, 1024 ** 3);
  assert.deepEqual(call.request.source, {
    kind: "http",
    url: http[ANN_ENDPOINT],
    headers: {},
    caCerts: [],
  });
  assert.deepEqual(h.writes[0]?.changes, {
    [ANN_POD_PHASE]: "Running",
    [ANN_RUNNING_CONDITION]: "true",
    [ANN_RUNNING_REASON]: "",
    [ANN_RUNNING_MESSAGE]: "",
    [ANN_PROGRESS]: "0.00%",
  });
  call.request.onProgress?.({ bytes: 25, totalBytes: 100 });
  call.request.onProgress?.({ bytes: 25, totalBytes: 100 });
  await settle();
  assert.equal(h.annotationsOf("disk")[ANN_PROGRESS], "25.00%");
  assert.equal(h.writes.length, 2, "an unchanged progress is not written again");
  call.resolve(RESULT);
  await settle();
  assert.equal(h.annotationsOf("disk")[ANN_POD_PHASE], "Succeeded");
  assert.equal(h.annotationsOf("disk")[ANN_PROGRESS], "100.0%");
  assert.equal(h.annotationsOf("disk")[ANN_RUNNING_REASON], "Completed");
  assert.deepEqual(h.ready, ["default/disk"]);
  assert.deepEqual(h.events.map((e) => e.reason), ["ImportSucceeded"]);
  assert.equal(h.driver.size, 0);
  await h.driver.stop();
});

Deno.test("ImportDriver does not import again from a cache that lags behind its writes", async () => {
  const h = harness();
  const before = h.add("disk", http);
  await h.calledTimes(1);
  h.calls[0]!.resolve(RESULT);
  await settle();
  // The watch has not delivered the Succeeded write yet: the cache still says Running.
  const stale = structuredClone(before);
  stale.pvc.metadata!.annotations![ANN_POD_PHASE] = "Running";
  stale.pvc.metadata!.resourceVersion = "101";
  h.claims.set("default/disk", stale);
  h.driver.sync("default/disk");
  await settle();
  assert.equal(h.calls.length, 1);
  // A user asks again, later than the agent's write: it runs again.
  const again = structuredClone(before);
  again.pvc.metadata!.annotations![ANN_POD_PHASE] = "Pending";
  again.pvc.metadata!.resourceVersion = "999";
  h.claims.set("default/disk", again);
  h.driver.sync("default/disk");
  await h.calledTimes(2);
  await h.driver.stop();
});

Deno.test("ImportDriver records a terminal failure and does not retry", async () => {
  const h = harness();
  h.add("disk", http);
  await h.calledTimes(1);
  h.calls[0]!.reject(
    new ImportError("Cannot download https://images.example/disk.img: 404", false, "NotFound"),
  );
  await settle();
  const annotations = h.annotationsOf("disk");
  assert.equal(annotations[ANN_POD_PHASE], "Failed");
  assert.equal(annotations[ANN_RUNNING_CONDITION], "false");
  assert.equal(annotations[ANN_RUNNING_REASON], "NotFound");
  assert.match(annotations[ANN_RUNNING_MESSAGE]!, /404/);
  assert.deepEqual(h.events.map((e) => [e.type, e.reason]), [["Warning", "ImportFailed"]]);
  h.driver.sync("default/disk");
  await settle();
  assert.equal(h.calls.length, 1);
  assert.deepEqual(h.ready, []);
  await h.driver.stop();
});

Deno.test("ImportDriver counts a retryable failure as a restart and tries again", async () => {
  const h = harness();
  h.add("disk", http);
  await h.calledTimes(1);
  h.calls[0]!.reject(
    new ImportError("Cannot download: 503 Service Unavailable", true, "ServerError"),
  );
  await h.calledTimes(2);
  const failedWrite = h.writes.find((w) => w.changes[ANN_POD_RESTARTS]);
  assert.deepEqual(failedWrite?.changes, {
    [ANN_RUNNING_CONDITION]: "false",
    [ANN_RUNNING_REASON]: "Error",
    [ANN_RUNNING_MESSAGE]: "Cannot download: 503 Service Unavailable",
    [ANN_POD_RESTARTS]: "1",
  });
  assert.equal(h.annotationsOf("disk")[ANN_POD_PHASE], "Running");
  h.calls[1]!.resolve(RESULT);
  await settle();
  assert.equal(h.annotationsOf("disk")[ANN_POD_PHASE], "Succeeded");
  assert.equal(h.annotationsOf("disk")[ANN_POD_RESTARTS], "1");
  await h.driver.stop();
});

Deno.test("ImportDriver runs two imports at once and queues the rest", async () => {
  const h = harness({ concurrency: 2 });
  h.add("a", http);
  h.add("b", http);
  h.add("c", http);
  h.add("a", http); // one import per claim
  await h.calledTimes(2);
  await settle();
  assert.equal(h.calls.length, 2);
  h.calls[0]!.resolve(RESULT);
  await h.calledTimes(3);
  assert.deepEqual(
    h.calls.map((c) => c.request.targetDir.split("/").pop()),
    ["pvc-uid-a", "pvc-uid-b", "pvc-uid-c"],
  );
  await h.driver.stop();
});

Deno.test("ImportDriver cancels an import whose claim went away, and stop() leaves claims Running", async () => {
  const h = harness();
  h.add("gone", http);
  h.add("kept", http);
  await h.calledTimes(2);
  h.claims.delete("default/gone");
  h.driver.sync("default/gone");
  assert.ok(h.calls[0]!.request.signal.aborted);
  await h.driver.stop();
  assert.ok(h.calls[1]!.request.signal.aborted);
  await settle();
  assert.equal(h.annotationsOf("kept")[ANN_POD_PHASE], "Running");
  assert.equal(h.writes.filter((w) => w.claim === "default/kept").length, 1);
});

Deno.test("ImportDriver waits for a missing Secret and never writes credentials", async () => {
  const secrets: Record<string, string> = {};
  const h = harness({ secrets });
  h.add("disk", { ...http, [ANN_SECRET]: "creds" });
  await settle();
  assert.equal(h.calls.length, 0);
  assert.equal(h.annotationsOf("disk")[ANN_POD_PHASE], "Pending");
  assert.equal(h.annotationsOf("disk")[ANN_RUNNING_REASON], "SecretNotFound");
  assert.match(h.annotationsOf("disk")[ANN_RUNNING_MESSAGE]!, /Secret default\/creds/);
  Object.assign(secrets, { accessKeyId: btoa("user"), secretKey: btoa("hunter2") });
  await h.calledTimes(1);
  assert.equal(
    h.calls[0]!.request.source.kind === "http" &&
      h.calls[0]!.request.source.headers["Authorization"],
    `Basic ${btoa("user:hunter2")}`,
  );
  h.calls[0]!.resolve(RESULT);
  await settle();
  const written = JSON.stringify([h.writes, h.events]);
  assert.doesNotMatch(written, /hunter2/);
  assert.doesNotMatch(written, new RegExp(btoa("user:hunter2")));
  await h.driver.stop();
});
