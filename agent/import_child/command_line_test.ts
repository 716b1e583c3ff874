import assert from "node:assert/strict";
import { type AgentGrants, CHILD_COMMAND, childArgvOf } from "./command_line.ts";

const DENO = "/usr/bin/deno";
const ALL: AgentGrants = {
  read: true,
  net: true,
  env: true,
  write: true,
  tools: ["qemu-img", "sh", "xz"],
};

Deno.test("childArgvOf() narrows the agent's permissions to the job's directory and tools", () => {
  assert.deepEqual(childArgvOf(DENO, "file:///src/main.ts", false, "/data/volumes/pvc-1", ALL), [
    DENO,
    "run",
    "--quiet",
    "--no-prompt",
    "--allow-read",
    "--allow-net",
    "--allow-env",
    "--allow-write=/data/volumes/pvc-1",
    "--allow-run=qemu-img,sh,xz",
    "/src/main.ts",
    CHILD_COMMAND,
  ]);
});

Deno.test("childArgvOf() passes on only the tools the agent may run", () => {
  const argv = childArgvOf(DENO, "file:///src/main.ts", false, "/d", { ...ALL, tools: [] });
  assert.ok(argv && !argv.some((arg) => arg.startsWith("--allow-run")));
});

Deno.test("childArgvOf() answers undefined when the agent lacks what the job needs", () => {
  for (const lacking of ["read", "net", "env", "write"] as const) {
    assert.equal(
      childArgvOf(DENO, "file:///src/main.ts", false, "/d", { ...ALL, [lacking]: false }),
      undefined,
      lacking,
    );
  }
});

Deno.test("childArgvOf() runs a compiled binary with the subcommand alone", () => {
  assert.deepEqual(
    childArgvOf("/usr/bin/denovirt", "file:///tmp/x/main.ts", true, "/d", ALL),
    ["/usr/bin/denovirt", CHILD_COMMAND],
  );
});
