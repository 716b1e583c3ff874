/**
 * A bench command's own stack: brought up in a fresh home, the roles started, `run` measured on
 * it, its figures printed and written to `<out>/<name>.json`, and the stack torn down afterwards
 * (also on SIGINT/SIGTERM). Answers the process's exit code.
 */
import { join } from "node:path";
import { down } from "../stack/down.ts";
import { type RunningStack, up } from "../stack/up.ts";
import { once } from "./once.ts";
import { ensureBenchRoles } from "./roles.ts";

/** Runs `run` on a stack of its own; `tag` prefixes the failure line. */
export async function onOwnStack<T>(
  tag: string,
  output: { out: string; name: string },
  say: (line: string) => void,
  run: (stack: RunningStack) => Promise<T>,
): Promise<number> {
  const home = await Deno.makeTempDir({ prefix: "denovirt-bench-" });
  const teardown = once(() => down({ home, purge: true, say }));
  const onSignal = () => void teardown().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const stack = await up({ home, say, podNetwork: "if-free" });
    await ensureBenchRoles(stack, true, say);
    const figures = await run(stack);
    await Deno.mkdir(output.out, { recursive: true });
    const file = join(output.out, `${output.name}.json`);
    await Deno.writeTextFile(file, JSON.stringify(figures, null, 2) + "\n");
    console.log(JSON.stringify(figures, null, 2));
    say(`Wrote ${file}`);
    return 0;
  } catch (error) {
    console.error(`[${tag}] Failed: ${(error as Error).stack ?? error}`);
    return 1;
  } finally {
    await teardown();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}
