/** Runs the agent role alone: `deno run ... agent/main.ts <flags>` (tests; `main.ts agent` in the stack). */
import { agentRole } from "./role.ts";

if (import.meta.main) Deno.exit(await agentRole(Deno.args));
