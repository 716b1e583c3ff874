/**
 * The command line of a child of the agent: the same Deno executable, the same flags (so the
 * same permission set, never a wider one) and the same entry module as the agent itself, then
 * the hidden subcommand. Read from the agent's own command line, which holds exactly the flags
 * it was started with, whoever started it (the stack, a DaemonSet, a test).
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The hidden subcommand a child runs: one disk import or one image pull, then exit. */
export const CHILD_COMMAND = "agent-import";

/**
 * `[executable, ...args]` of a child, given the agent's argv (`/proc/self/cmdline`), its main
 * module's URL and its working directory. A `deno run <flags> <entry> ...` line keeps the flags
 * and the entry (and adds `--quiet`, which grants nothing); any other line (a `deno compile`d binary, whose permissions are built in) runs
 * the executable with the subcommand alone. Undefined when the entry is not on the line.
 */
export function childArgvOf(
  argv: string[],
  mainModule: string,
  cwd: string,
  executable: string,
): string[] | undefined {
  if (argv[1] !== "run") return [executable, CHILD_COMMAND];
  const entry = argv.findIndex((arg, i) => i > 1 && fileUrlOf(arg, cwd) === mainModule);
  if (entry < 0) return undefined;
  // --quiet: no diagnostics (such as the config file's permissions being experimental) per child.
  return [executable, "run", "--quiet", ...argv.slice(2, entry + 1), CHILD_COMMAND];
}

function fileUrlOf(arg: string, cwd: string): string | undefined {
  if (arg.startsWith("file://")) return arg;
  if (arg.startsWith("-") || /^[a-z][a-z0-9+.-]*:/i.test(arg)) return undefined;
  return pathToFileURL(isAbsolute(arg) ? arg : resolve(cwd, arg)).href;
}

/** This process's own argv, as the kernel holds it. */
export async function ownArgv(): Promise<string[]> {
  const raw = await Deno.readTextFile("/proc/self/cmdline");
  return raw.split("\0").slice(0, -1);
}
