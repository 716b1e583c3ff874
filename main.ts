/** The single entry point: `deno run -A main.ts <command>`; every role and command is a subcommand. */
import { main } from "./cli/main.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
