import assert from "node:assert/strict";
import { checkSelector } from "./replica_set.ts";

Deno.test("checkSelector() refuses empty selectors and values that do not fit the operator", () => {
  assert.match(checkSelector({}, {})[0]!.message, /must not be empty/);
  assert.equal(
    checkSelector({ matchExpressions: [{ key: "a", operator: "In" }] }, { a: "b" })[0]?.field,
    "spec.selector.matchExpressions[0].values",
  );
  assert.deepEqual(checkSelector({ matchLabels: { a: "b" } }, { a: "b" }), []);
});

Deno.test("checkSelector() refuses a selector that does not select the template's labels, in KubeVirt's words", () => {
  const causes = checkSelector({ matchLabels: { app: "web" } }, { app: "db" });
  assert.equal(causes.length, 1);
  assert.equal(causes[0]!.field, "spec.selector");
  assert.match(causes[0]!.message, /^selector does not match labels: /);
  assert.match(causes[0]!.message, /spec\.template\.metadata\.labels is \{"app":"db"\}/);
  assert.equal(
    checkSelector({ matchExpressions: [{ key: "tier", operator: "Exists" }] }, {}).length,
    1,
  );
});
