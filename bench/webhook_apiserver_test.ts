import assert from "node:assert/strict";
import { byWebhook, serverMsByEndpoint } from "./webhook_apiserver.ts";

Deno.test("serverMsByEndpoint() files the review times of one object by resource and endpoint", () => {
  const line = (fields: Record<string, unknown>) =>
    JSON.stringify({
      msg: "Admission",
      namespace: "ns",
      name: "vm",
      resource: "virtualmachines",
      ...fields,
    });
  const log = [
    line({ endpoint: "mutate", ms: 0.5 }),
    line({ endpoint: "validate", ms: 0.25 }),
    line({ endpoint: "mutate", ms: 9, name: "warmup" }),
    line({ endpoint: "mutate", ms: 9, namespace: "other" }),
    line({ endpoint: "mutate", msg: "Admission failed", ms: 9 }),
    'not json "namespace":"ns"',
    line({ endpoint: "mutate", ms: 1.5 }),
  ].join("\n");
  assert.deepEqual(serverMsByEndpoint(log, "ns", "vm"), {
    "virtualmachines/mutate": [0.5, 1.5],
    "virtualmachines/validate": [0.25],
  });
});

Deno.test("byWebhook() keeps CREATE series with calls and merges them over rejected", () => {
  const s = (name: string, operation: string, rejected: string, count: number) => ({
    labels: { name, type: "admit", operation, rejected },
    buckets: [{ le: 0.005, count }, { le: Infinity, count }],
    count,
    sum: count / 1000,
  });
  const merged = byWebhook([
    s("b.io", "CREATE", "false", 3),
    s("b.io", "CREATE", "true", 1),
    s("a.io", "CREATE", "false", 2),
    s("a.io", "UPDATE", "false", 7),
    s("c.io", "CREATE", "false", 0),
  ]);
  assert.deepEqual(merged.map((m) => [m.labels.name, m.labels.type, m.count]), [
    ["a.io", "admit", 2],
    ["b.io", "admit", 4],
  ]);
  assert.deepEqual(merged[1]!.buckets, [{ le: 0.005, count: 4 }, { le: Infinity, count: 4 }]);
});
