import assert from "node:assert/strict";
import { claimVmis } from "./claim.ts";
import { rsFixture, vmiFixture } from "./testdata/fixtures.ts";

const names = (vmis: Array<{ metadata: { name?: string } }>) => vmis.map((v) => v.metadata.name);

Deno.test("claimVmis() keeps its own, adopts matching orphans, releases its own that no longer match", () => {
  const rs = rsFixture();
  const claims = claimVmis(rs, [
    vmiFixture("own"),
    vmiFixture("orphan", { owner: "none" }),
    vmiFixture("relabelled", { labels: { app: "db" } }),
    vmiFixture("foreign", { owner: "another-uid" }),
    vmiFixture("foreign-relabelled", { owner: "another-uid", labels: { app: "db" } }),
    vmiFixture("orphan-other-app", { owner: "none", labels: { app: "db" } }),
    vmiFixture("orphan-deleting", { owner: "none", deleting: true }),
    vmiFixture("own-deleting", { deleting: true }),
  ]);
  assert.deepEqual(names(claims.claimed), ["own", "orphan", "own-deleting"]);
  assert.deepEqual(names(claims.adopt), ["orphan"]);
  assert.deepEqual(names(claims.release), ["relabelled"]);
});

Deno.test("claimVmis() neither adopts nor releases for a replica set being deleted", () => {
  const rs = rsFixture((rs) => (rs.metadata.deletionTimestamp = "2026-01-01T00:09:00Z"));
  const claims = claimVmis(rs, [
    vmiFixture("own"),
    vmiFixture("orphan", { owner: "none" }),
    vmiFixture("relabelled", { labels: { app: "db" } }),
  ]);
  assert.deepEqual(names(claims.claimed), ["own"]);
  assert.deepEqual(claims.adopt, []);
  assert.deepEqual(claims.release, []);
});
