import assert from "node:assert/strict";
import { selectorString, selects } from "./label_selector.ts";

Deno.test("selects() follows Kubernetes' label selector rules", () => {
  const labels = { app: "web", tier: "front" };
  const cases: Array<[Parameters<typeof selects>[0], boolean]> = [
    [{ matchLabels: { app: "web" } }, true],
    [{ matchLabels: { app: "db" } }, false],
    [{ matchLabels: { zone: "a" } }, false],
    [{ matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] }, true],
    [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }, false],
    [{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }, false],
    [{ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, true],
    [{ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, true],
    [{ matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
    [{}, true],
  ];
  for (const [selector, want] of cases) {
    assert.equal(selects(selector, labels), want, JSON.stringify(selector));
  }
  assert.equal(selects({ matchLabels: { app: "web" } }, undefined), false);
});

Deno.test("selectorString() gives apimachinery's canonical form, sorted by key", () => {
  const cases: Array<[Parameters<typeof selectorString>[0], string]> = [
    [{}, ""],
    [{ matchLabels: { "kubevirt.io/vmReplicaSet": "rs" } }, "kubevirt.io/vmReplicaSet=rs"],
    [{ matchLabels: { b: "2", a: "1" } }, "a=1,b=2"],
    [
      {
        matchLabels: { app: "web" },
        matchExpressions: [
          { key: "zone", operator: "NotIn", values: ["b", "a"] },
          { key: "tier", operator: "In", values: ["front"] },
          { key: "gpu", operator: "Exists" },
          { key: "canary", operator: "DoesNotExist" },
        ],
      },
      "app=web,!canary,gpu,tier in (front),zone notin (a,b)",
    ],
  ];
  for (const [selector, want] of cases) assert.equal(selectorString(selector), want);
});
