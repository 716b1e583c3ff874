import assert from "node:assert/strict";
import { checkSelector, selects } from "./replica_set.ts";

Deno.test("selects() follows Kubernetes' label selector rules", () => {
  const labels = { app: "web", tier: "front" };
  assert.equal(selects({ matchLabels: { app: "web" } }, labels), true);
  assert.equal(selects({ matchLabels: { app: "db" } }, labels), false);
  assert.equal(
    selects(
      { matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] },
      labels,
    ),
    true,
  );
  assert.equal(
    selects({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }, labels),
    false,
  );
  assert.equal(
    selects({ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, labels),
    true,
  );
  assert.equal(selects({ matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels), false);
});

Deno.test("checkSelector() refuses empty selectors and values that do not fit the operator", () => {
  assert.match(checkSelector({}, {})[0]!.message, /must not be empty/);
  assert.equal(
    checkSelector({ matchExpressions: [{ key: "a", operator: "In" }] }, { a: "b" })[0]?.field,
    "spec.selector.matchExpressions[0].values",
  );
  assert.deepEqual(checkSelector({ matchLabels: { a: "b" } }, { a: "b" }), []);
});
