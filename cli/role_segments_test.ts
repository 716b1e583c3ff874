import assert from "node:assert/strict";
import { roleSegments } from "./role_segments.ts";

Deno.test("roleSegments: splits at -- into each role's own flags", () => {
  assert.deepEqual(
    roleSegments(["controllers", "--health-port=1", "--", "webhooks", "--port=2", "--", "agent"]),
    [
      { role: "controllers", args: ["--health-port=1"] },
      { role: "webhooks", args: ["--port=2"] },
      { role: "agent", args: [] },
    ],
  );
  assert.deepEqual(roleSegments(["agent", "--x"]), [{ role: "agent", args: ["--x"] }]);
});

Deno.test("roleSegments: refuses unknown, repeated and missing roles by name", () => {
  const cases: [string[], RegExp][] = [
    [[], /Each segment between -- must start with a role/],
    [["controllers", "--"], /Each segment between -- must start with a role/],
    [
      ["--port=1"],
      /Unknown role "--port=1": a segment starts with one of controllers, webhooks, agent/,
    ],
    [["agent", "--", "agent"], /The role agent is given twice/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => roleSegments(args), message, args.join(" "));
  }
});
