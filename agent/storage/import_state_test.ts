import assert from "node:assert/strict";
import type { PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import {
  ANN_CLONE_REQUEST,
  ANN_ENDPOINT,
  ANN_POD_PHASE,
  ANN_POD_RESTARTS,
  ANN_PROGRESS,
  ANN_RUNNING_CONDITION,
  ANN_RUNNING_MESSAGE,
  ANN_RUNNING_REASON,
  ANN_SOURCE,
} from "../../api/storage_annotations.ts";
import {
  annotationChanges,
  importAnnotations,
  type ImportStep,
  progressText,
  restartsOf,
  wantedImportOf,
} from "./import_state.ts";
import { boundClaim, NODE, pendingClaim, VOLUMES_DIR } from "./testdata.ts";

const http = { [ANN_ENDPOINT]: "https://images.example/disk.qcow2" };

Deno.test("wantedImportOf() wants an import for a bound local claim until it ends", () => {
  const claim = (annotations: Record<string, string>, node?: string) =>
    boundClaim({ annotations, ...(node ? { node } : {}) });
  const cases: Array<
    [string, { pvc: PersistentVolumeClaim; pv: PersistentVolume | undefined }, string | undefined]
  > = [
    ["an http claim", claim(http), "http"],
    ["a blank claim", claim({ [ANN_SOURCE]: "none" }), "blank"],
    ["a clone", claim({ [ANN_CLONE_REQUEST]: "default/golden" }), "clone"],
    ["Running after a restart", claim({ ...http, [ANN_POD_PHASE]: "Running" }), "http"],
    ["Pending", claim({ ...http, [ANN_POD_PHASE]: "Pending" }), "http"],
    ["Succeeded", claim({ ...http, [ANN_POD_PHASE]: "Succeeded" }), undefined],
    ["Failed", claim({ ...http, [ANN_POD_PHASE]: "Failed" }), undefined],
    ["a plain claim", claim({}), undefined],
    ["another node's volume", claim(http, "edge-2"), undefined],
    ["not bound", { pvc: pendingClaim({ annotations: http }), pv: claim(http).pv }, undefined],
    ["no PV seen", { pvc: claim(http).pvc, pv: undefined }, undefined],
  ];
  for (const [name, { pvc, pv }, expected] of cases) {
    assert.equal(wantedImportOf(pvc, pv, NODE, VOLUMES_DIR)?.source, expected, name);
  }
  const { pvc, pv } = claim(http);
  assert.deepEqual(wantedImportOf(pvc, pv, NODE, VOLUMES_DIR), {
    dir: `${VOLUMES_DIR}/pvc-0000-1111`,
    capacityBytes: 1024 ** 3,
    source: "http",
  });
  const stolen = structuredClone(pv);
  stolen.spec!.claimRef!.uid = "someone-else";
  assert.equal(wantedImportOf(pvc, stolen, NODE, VOLUMES_DIR), undefined);
});

Deno.test("progressText() gives two decimals of the known total", () => {
  assert.equal(progressText(0, 100), "0.00%");
  assert.equal(progressText(452, 1000), "45.20%");
  assert.equal(progressText(1, 3), "33.33%");
  assert.equal(progressText(150, 100), "100.00%");
  assert.equal(progressText(10, undefined), undefined);
  assert.equal(progressText(10, 0), undefined);
});

Deno.test("importAnnotations() writes each step as CDI's import controller does", () => {
  const cases: Array<[ImportStep, Record<string, string>]> = [
    [{ step: "started" }, {
      [ANN_POD_PHASE]: "Running",
      [ANN_RUNNING_CONDITION]: "true",
      [ANN_RUNNING_REASON]: "",
      [ANN_RUNNING_MESSAGE]: "",
      [ANN_PROGRESS]: "0.00%",
    }],
    [{ step: "progress", bytes: 50, totalBytes: 200 }, { [ANN_PROGRESS]: "25.00%" }],
    [{ step: "progress", bytes: 50 }, {}],
    [{ step: "succeeded" }, {
      [ANN_POD_PHASE]: "Succeeded",
      [ANN_RUNNING_CONDITION]: "false",
      [ANN_RUNNING_REASON]: "Completed",
      [ANN_RUNNING_MESSAGE]: "Import Complete",
      [ANN_PROGRESS]: "100.0%",
    }],
    [{ step: "failed", reason: "NotFound", message: "Cannot download: 404" }, {
      [ANN_POD_PHASE]: "Failed",
      [ANN_RUNNING_CONDITION]: "false",
      [ANN_RUNNING_REASON]: "NotFound",
      [ANN_RUNNING_MESSAGE]: "Cannot download: 404",
    }],
    [{ step: "retrying", restarts: 3, reason: "Error", message: "503" }, {
      [ANN_POD_PHASE]: "Running",
      [ANN_RUNNING_CONDITION]: "false",
      [ANN_RUNNING_REASON]: "Error",
      [ANN_RUNNING_MESSAGE]: "503",
      [ANN_POD_RESTARTS]: "3",
    }],
    [{ step: "waiting", reason: "SecretNotFound", message: "Secret default/s does not exist" }, {
      [ANN_POD_PHASE]: "Pending",
      [ANN_RUNNING_CONDITION]: "false",
      [ANN_RUNNING_REASON]: "SecretNotFound",
      [ANN_RUNNING_MESSAGE]: "Secret default/s does not exist",
    }],
  ];
  for (const [step, expected] of cases) assert.deepEqual(importAnnotations(step), expected);
});

Deno.test("annotationChanges() keeps only what differs", () => {
  assert.equal(annotationChanges({ a: "1", b: "2" }, { a: "1" }), undefined);
  assert.deepEqual(annotationChanges({ a: "1" }, { a: "2", c: "" }), { a: "2", c: "" });
  assert.deepEqual(annotationChanges(undefined, { a: "1" }), { a: "1" });
});

Deno.test("restartsOf() reads the restart count, zero when absent or malformed", () => {
  const with_ = (value?: string) =>
    pendingClaim({ annotations: value === undefined ? {} : { [ANN_POD_RESTARTS]: value } });
  assert.equal(restartsOf(with_()), 0);
  assert.equal(restartsOf(with_("4")), 4);
  assert.equal(restartsOf(with_("x")), 0);
  assert.equal(restartsOf(with_("-1")), 0);
});
