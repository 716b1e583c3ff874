import assert from "node:assert/strict";
import {
  ANN_NODE_STORAGE_ALLOCATED,
  ANN_NODE_STORAGE_CAPACITY,
} from "../../api/storage_annotations.ts";
import { allocatedBytes, fitOf, nodeStorageAnnotations, usableBytes } from "./capacity.ts";
import { boundClaim, NODE } from "./testdata.ts";

const GI = 1024n ** 3n;

Deno.test("usableBytes() keeps 5% of the filesystem back", () => {
  assert.equal(usableBytes(100n * GI), 95n * GI);
  assert.equal(usableBytes(1000n), 950n);
  assert.equal(usableBytes(0n), 0n);
});

Deno.test("allocatedBytes() sums this node's local PVs, in every phase", () => {
  const pvs = [
    boundClaim({ uid: "a", storage: "1Gi" }).pv,
    boundClaim({ uid: "b", storage: "2Gi", pvPhase: "Released" }).pv,
    boundClaim({ uid: "c", storage: "5Gi", node: "other" }).pv,
    { metadata: { name: "foreign" }, spec: { capacity: { storage: "7Gi" } } },
  ];
  assert.equal(allocatedBytes(pvs, NODE), 3n * GI);
  assert.equal(allocatedBytes([], NODE), 0n);
});

Deno.test("fitOf() names node, requested and free bytes when the claim does not fit", () => {
  const table: Array<[bigint, bigint, bigint, boolean]> = [
    [GI, 10n * GI, 0n, true],
    [10n * GI, 10n * GI, 0n, true],
    [10n * GI + 1n, 10n * GI, 0n, false],
    [2n * GI, 10n * GI, 9n * GI, false],
    [GI, 10n * GI, 12n * GI, false],
  ];
  for (const [requested, capacity, allocated, fits] of table) {
    assert.equal(fitOf(NODE, requested, capacity, allocated).fits, fits, `${requested}`);
  }
  const refused = fitOf(NODE, 2n * GI, 10n * GI, 9n * GI);
  assert.ok(!refused.fits);
  assert.match(refused.message, /node edge-1/);
  assert.match(refused.message, new RegExp(`requested ${2n * GI} bytes`));
  assert.match(refused.message, new RegExp(`${GI} bytes free`));
});

Deno.test("nodeStorageAnnotations() writes decimal byte counts", () => {
  assert.deepEqual(nodeStorageAnnotations(95n * GI, 0n), {
    [ANN_NODE_STORAGE_CAPACITY]: "102005473280",
    [ANN_NODE_STORAGE_ALLOCATED]: "0",
  });
});
