/** Runs the agent role alone: `deno run ... agent/main.ts <flags>` (tests; `main.ts agent` in the stack). */
import { CHILD_COMMAND } from "./import_child/command_line.ts";

if (import.meta.main) {
  // The agent's imports and pulls run this entry again, in children of their own.
  const [first, ...rest] = Deno.args;
  Deno.exit(
    first === CHILD_COMMAND
      ? await (await import("./import_child/child.ts")).importChildCommand(rest)
      : await (await import("./role.ts")).agentRole(Deno.args),
  );
}
