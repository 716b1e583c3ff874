import assert from "node:assert/strict";
import { nodeState } from "./node_list.ts";

Deno.test("nodeState: running only with agent, libvirtd and link; down with neither daemon", () => {
  const cases: [boolean, boolean, boolean, string][] = [
    [true, true, true, "running"],
    [true, true, false, "partial"],
    [true, false, true, "partial"],
    [false, true, true, "partial"],
    [false, false, true, "down"],
    [false, false, false, "down"],
  ];
  for (const [agent, libvirtd, link, want] of cases) {
    assert.equal(nodeState(agent, libvirtd, link), want, `${agent} ${libvirtd} ${link}`);
  }
});
