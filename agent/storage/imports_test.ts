/** The imports controller over an in-memory API, with a fake engine the tests drive. */
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
import { persistentVolumeClaims, persistentVolumes, secrets } from "../../lib/kube/resources.ts";
import { FakeClock } from "../../lib/clock.ts";
import { FakeApi } from "../../lib/testing/fake_api.ts";
import { ImportError, type ImportRequest, type ImportResult } from "../import/types.ts";
import { ImportJobs } from "./import_jobs.ts";
import { importsController } from "./imports.ts";
import { reclaimerController } from "./reclaimer.ts";
import { runControllers } from "../test_harness.ts";
import { boundClaim, NODE, VOLUMES_DIR } from "./testdata.ts";

const RESULT: ImportResult = {
  format: "qcow2",
  compression: "none",
  transferredBytes: 10,
  virtualSizeBytes: 10,
};
const http = { [ANN_ENDPOINT]: "https://images.example/disk.img" };

/** One call of the fake engine, finished by the test. */
interface Call {
  request: ImportRequest;
  resolve(result: ImportResult): void;
  reject(error: unknown): void;
}

/** The imports controller (and the reclaimer, which stops imports) over a fake API. */
function harness(concurrency = 2) {
  const api = new FakeApi();
  const calls: Call[] = [];
  const jobs = new ImportJobs();
  const clock = new FakeClock(Date.now());
  const h = runControllers(api, clock, [
    importsController({
      node: NODE,
      volumesDir: VOLUMES_DIR,
      jobs,
      concurrency,
      progressIntervalMs: 0,
      now: () => clock.now(),
      run: (request) =>
        new Promise((resolve, reject) => {
          calls.push({ request, resolve, reject });
          request.signal.addEventListener("abort", () => reject(request.signal.reason));
        }),
    }),
    reclaimerController({ node: NODE, volumesDir: VOLUMES_DIR, imports: jobs }),
  ]);
  const annotationsOf = (name: string) =>
    api.find<PersistentVolumeClaim>("persistentvolumeclaims", `default/${name}`)?.metadata
      ?.annotations ?? {};
  const annotationWrites = (name: string) =>
    api.writes.filter((w) => w.plural === "persistentvolumeclaims" && w.key === `default/${name}`)
      .map((w) =>
        (w.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations
      );
  return {
    ...h,
    calls,
    jobs,
    annotationsOf,
    annotationWrites,
    add(name: string, annotations: Record<string, string>) {
      const claim = boundClaim({ name, uid: `uid-${name}`, annotations });
      api.put(persistentVolumes, claim.pv);
      return api.put(persistentVolumeClaims, claim.pvc);
    },
    called: (n: number) => h.until(`${n} engine calls`, () => calls.length >= n),
  };
}

Deno.test("imports run an import and write Running, progress and Succeeded", async () => {
  const h = harness();
  try {
    h.add("disk", http);
    await h.called(1);
    const call = h.calls[0]!;
    assert.equal(call.request.targetDir, `${VOLUMES_DIR}/pvc-uid-disk`);
    assert.equal(call.request.capacityBytes, 1024 ** 3);
    assert.deepEqual(call.request.source, {
      kind: "http",
      url: http[ANN_ENDPOINT],
      headers: {},
      caCerts: [],
    });
    assert.deepEqual(h.annotationWrites("disk")[0], {
      [ANN_POD_PHASE]: "Running",
      [ANN_RUNNING_CONDITION]: "true",
      [ANN_RUNNING_REASON]: "",
      [ANN_RUNNING_MESSAGE]: "",
      [ANN_PROGRESS]: "0.00%",
    });
    call.request.onProgress?.({ bytes: 25, totalBytes: 100 });
    call.request.onProgress?.({ bytes: 25, totalBytes: 100 });
    await h.until("progress", () => h.annotationsOf("disk")[ANN_PROGRESS] === "25.00%");
    assert.equal(
      h.annotationWrites("disk").length,
      2,
      "an unchanged progress is not written again",
    );
    call.resolve(RESULT);
    await h.until("Succeeded", () => h.annotationsOf("disk")[ANN_POD_PHASE] === "Succeeded");
    assert.equal(h.annotationsOf("disk")[ANN_PROGRESS], "100.0%");
    assert.equal(h.annotationsOf("disk")[ANN_RUNNING_REASON], "Completed");
    await h.until("the event", () => h.events.length > 0);
    assert.deepEqual(h.events, [
      "Normal ImportSucceeded disk: Successfully imported into claim default/disk",
    ]);
    assert.equal(h.jobs.size, 0);
  } finally {
    await h.stop();
  }
});

Deno.test("imports record a terminal failure and do not retry it", async () => {
  const h = harness();
  try {
    h.add("disk", http);
    await h.called(1);
    h.calls[0]!.reject(
      new ImportError("Cannot download https://images.example/disk.img: 404", false, "NotFound"),
    );
    await h.until("Failed", () => h.annotationsOf("disk")[ANN_POD_PHASE] === "Failed");
    const annotations = h.annotationsOf("disk");
    assert.equal(annotations[ANN_RUNNING_CONDITION], "false");
    assert.equal(annotations[ANN_RUNNING_REASON], "NotFound");
    assert.match(annotations[ANN_RUNNING_MESSAGE]!, /404/);
    await h.until("the event", () => h.events.length > 0);
    assert.match(h.events[0]!, /^Warning ImportFailed disk: /);
    h.clock.advance(600_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(h.calls.length, 1);
  } finally {
    await h.stop();
  }
});

Deno.test("imports count a retryable failure as a restart and try again after a backoff", async () => {
  const h = harness();
  try {
    h.add("disk", http);
    await h.called(1);
    h.calls[0]!.reject(
      new ImportError("Cannot download: 503 Service Unavailable", true, "ServerError"),
    );
    await h.until("the restart", () => h.annotationsOf("disk")[ANN_POD_RESTARTS] === "1");
    assert.deepEqual(h.annotationWrites("disk").at(-1), {
      [ANN_RUNNING_CONDITION]: "false",
      [ANN_RUNNING_REASON]: "Error",
      [ANN_RUNNING_MESSAGE]: "Cannot download: 503 Service Unavailable",
      [ANN_POD_RESTARTS]: "1",
    });
    assert.equal(h.annotationsOf("disk")[ANN_POD_PHASE], "Running");
    assert.equal(h.calls.length, 1, "not before the backoff");
    h.clock.advance(2_000);
    await h.called(2);
    h.calls[1]!.resolve(RESULT);
    await h.until("Succeeded", () => h.annotationsOf("disk")[ANN_POD_PHASE] === "Succeeded");
    assert.equal(h.annotationsOf("disk")[ANN_POD_RESTARTS], "1");
  } finally {
    await h.stop();
  }
});

Deno.test("imports run two at once and the rest wait", async () => {
  const h = harness(2);
  try {
    for (const name of ["a", "b", "c"]) h.add(name, http);
    await h.called(2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(h.calls.length, 2);
    h.calls[0]!.resolve(RESULT);
    await h.called(3);
    assert.deepEqual(
      h.calls.map((c) => c.request.targetDir.split("/").pop()).sort(),
      ["pvc-uid-a", "pvc-uid-b", "pvc-uid-c"],
    );
  } finally {
    await h.stop();
  }
});

Deno.test("imports stop when their volume is released, and stopping the agent leaves claims Running", async () => {
  const h = harness();
  try {
    const gone = h.add("gone", http);
    h.add("kept", http);
    await h.called(2);
    const goneCall = h.calls.find((c) => c.request.targetDir.endsWith("pvc-uid-gone"))!;
    const pv = h.api.find<PersistentVolume>("persistentvolumes", `pvc-${gone.metadata?.uid}`)!;
    h.api.put(persistentVolumes, { ...pv, status: { phase: "Released" } });
    await h.until("the import stopped", () => goneCall.request.signal.aborted);
    await h.until("the volume deleted", () => !h.api.find("persistentvolumes", "pvc-uid-gone"));
  } finally {
    await h.stop();
  }
  const kept = h.calls.find((c) => c.request.targetDir.endsWith("pvc-uid-kept"))!;
  assert.ok(kept.request.signal.aborted);
  assert.equal(h.annotationsOf("kept")[ANN_POD_PHASE], "Running");
  assert.equal(h.annotationWrites("kept").length, 1);
});

Deno.test("imports wait for a missing Secret and never write credentials", async () => {
  const h = harness();
  try {
    h.add("disk", { ...http, [ANN_SECRET]: "creds" });
    await h.until(
      "the wait",
      () => h.annotationsOf("disk")[ANN_RUNNING_REASON] === "SecretNotFound",
    );
    assert.equal(h.calls.length, 0);
    assert.equal(h.annotationsOf("disk")[ANN_POD_PHASE], "Pending");
    assert.match(h.annotationsOf("disk")[ANN_RUNNING_MESSAGE]!, /Secret default\/creds/);
    h.api.put(secrets, {
      metadata: { namespace: "default", name: "creds" },
      data: { accessKeyId: btoa("user"), secretKey: btoa("hunter2") },
    } as never);
    h.clock.advance(5_000);
    await h.called(1);
    const source = h.calls[0]!.request.source;
    assert.equal(
      source.kind === "http" && source.headers["Authorization"],
      `Basic ${btoa("user:hunter2")}`,
    );
    h.calls[0]!.resolve(RESULT);
    await h.until("Succeeded", () => h.annotationsOf("disk")[ANN_POD_PHASE] === "Succeeded");
    const written = JSON.stringify([h.api.writes.filter((w) => w.plural !== "secrets"), h.events]);
    assert.doesNotMatch(written, /hunter2/);
    assert.doesNotMatch(written, new RegExp(btoa("user:hunter2")));
  } finally {
    await h.stop();
  }
});
