import assert from "node:assert/strict";
import { CHILD_COMMAND, childArgvOf } from "./command_line.ts";

const DENO = "/usr/bin/deno";

Deno.test("childArgvOf() keeps the agent's permission flags and entry, then the subcommand", () => {
  const argv = [
    "deno",
    "run",
    "--no-prompt",
    "--config=/src/deno.json",
    "-P=agent",
    "--allow-write=/home/data,/home/cni",
    "/src/main.ts",
    "agent",
    "--kubeconfig=/home/agent.kubeconfig",
    "--data-dir=/home/data",
  ];
  assert.deepEqual(childArgvOf(argv, "file:///src/main.ts", "/", DENO), [
    DENO,
    "run",
    "--quiet",
    "--no-prompt",
    "--config=/src/deno.json",
    "-P=agent",
    "--allow-write=/home/data,/home/cni",
    "/src/main.ts",
    CHILD_COMMAND,
  ]);
});

Deno.test("childArgvOf() finds a relative entry against the working directory", () => {
  const argv = ["deno", "run", "-A", "agent/main.ts", "--port=1"];
  assert.deepEqual(
    childArgvOf(argv, "file:///src/agent/main.ts", "/src", DENO),
    [DENO, "run", "--quiet", "-A", "agent/main.ts", CHILD_COMMAND],
  );
});

Deno.test("childArgvOf() does not take a flag's value for the entry", () => {
  const argv = ["deno", "run", "--allow-read=/src/main.ts", "/src/main.ts", "agent"];
  assert.deepEqual(
    childArgvOf(argv, "file:///src/main.ts", "/", DENO),
    [DENO, "run", "--quiet", "--allow-read=/src/main.ts", "/src/main.ts", CHILD_COMMAND],
  );
});

Deno.test("childArgvOf() runs a compiled binary with the subcommand alone", () => {
  assert.deepEqual(
    childArgvOf(["/usr/bin/denovirt", "agent", "--port=1"], "file:///tmp/x/main.ts", "/", "/b"),
    ["/b", CHILD_COMMAND],
  );
});

Deno.test("childArgvOf() answers undefined when the entry is not on the line", () => {
  assert.equal(
    childArgvOf(["deno", "run", "-A", "other.ts"], "file:///src/main.ts", "/", DENO),
    undefined,
  );
});
