import assert from "node:assert/strict";
import {
  ANN_CLONE_REQUEST,
  ANN_ENDPOINT,
  ANN_IMMEDIATE_BINDING,
  ANN_SOURCE,
  immediateBindingRequested,
  importSourceOf,
} from "./storage_annotations.ts";

Deno.test("importSourceOf() reads CDI's source and endpoint annotations", () => {
  const cases: Array<[Record<string, string> | undefined, string | undefined]> = [
    [undefined, undefined],
    [{}, undefined],
    [{ [ANN_ENDPOINT]: "https://h/disk.img" }, "http"],
    [{ [ANN_ENDPOINT]: "https://h/disk.img", [ANN_SOURCE]: "http" }, "http"],
    [{ [ANN_ENDPOINT]: "docker://h/disk:1", [ANN_SOURCE]: "registry" }, "registry"],
    [{ [ANN_SOURCE]: "registry" }, "registry"],
    [{ [ANN_SOURCE]: "none" }, "blank"],
    [{ [ANN_CLONE_REQUEST]: "ns/src", [ANN_SOURCE]: "none" }, "clone"],
  ];
  for (const [annotations, source] of cases) {
    assert.equal(importSourceOf(annotations), source, JSON.stringify(annotations));
  }
});

Deno.test("immediateBindingRequested() honours the annotation whatever its value, as CDI", () => {
  assert.equal(immediateBindingRequested({ [ANN_IMMEDIATE_BINDING]: "true" }), true);
  assert.equal(immediateBindingRequested({ [ANN_IMMEDIATE_BINDING]: "" }), true);
  assert.equal(immediateBindingRequested({}), false);
  assert.equal(immediateBindingRequested(undefined), false);
});
