import assert from "node:assert/strict";
import { commandOnPath } from "./which.ts";

Deno.test("commandOnPath() finds executables on PATH and nothing else", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/tool`, "#!/bin/sh\n", { mode: 0o755 });
    Deno.writeTextFileSync(`${dir}/data`, "", { mode: 0o644 });
    assert.equal(commandOnPath("tool", `/nonexistent:${dir}`), `${dir}/tool`);
    assert.equal(commandOnPath("data", dir), undefined);
    assert.equal(commandOnPath("missing", dir), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
