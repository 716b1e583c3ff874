/**
 * The command line of a child of the agent: the same Deno executable and entry module as the
 * agent, then the hidden subcommand, with Deno permissions made from the agent's own, each one
 * checked granted to the agent (Deno.permissions.query): never wider, and narrowed to the job:
 * writing only its directory, running only the tools an import runs. (The agent cannot read its
 * own command line: Deno guards /proc/self behind --allow-all.)
 */
import { fileURLToPath } from "node:url";

/** The hidden subcommand a child runs: one disk import or one image pull, then exit. */
export const CHILD_COMMAND = "agent-import";

/**
 * The tools an import or a pull runs (`sh` sets qemu-img info's resource limits): they are passed
 * on when the agent may run them.
 */
export const CHILD_TOOLS = ["qemu-img", "sh", "xz"];

/** What the agent holds of what a job needs (from Deno.permissions.query). */
export interface AgentGrants {
  /** Reading anything (a clone's source, CA files), the network (any host), the environment. */
  read: boolean;
  net: boolean;
  env: boolean;
  /** Writing the job's directory. */
  write: boolean;
  /** Which of CHILD_TOOLS it may run. */
  tools: string[];
}

/**
 * `[executable, ...args]` of a child that may write `dir`; undefined when the agent lacks a
 * permission the job needs (it then runs in the agent). `entry` is the agent's main module
 * (file URL); `compiled` says it is built into the executable (`deno compile`: its permissions
 * are built in too).
 */
export function childArgvOf(
  executable: string,
  entry: string,
  compiled: boolean,
  dir: string,
  grants: AgentGrants,
): string[] | undefined {
  if (!grants.read || !grants.net || !grants.env || !grants.write) return undefined;
  if (compiled) return [executable, CHILD_COMMAND];
  return [
    executable,
    "run",
    // No diagnostics (such as the config file's permissions being experimental) per child.
    "--quiet",
    "--no-prompt",
    "--allow-read",
    "--allow-net",
    "--allow-env",
    `--allow-write=${dir}`,
    ...(grants.tools.length > 0 ? [`--allow-run=${grants.tools.join(",")}`] : []),
    entry.startsWith("file:") ? fileURLToPath(entry) : entry,
    CHILD_COMMAND,
  ];
}
