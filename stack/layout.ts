/**
 * How the local stack runs the denovirt roles: all in one process (`denovirt all`, the default)
 * or each in its own (as on a cluster). `DENOVIRT_LAYOUT=separate` asks for the latter.
 */
import { logFile, runningPid } from "./daemon.ts";
import type { RoleName } from "./identities.ts";
import type { StackPaths } from "./paths.ts";

export const LAYOUTS = ["all-in-one", "separate"] as const;
export type RoleLayout = typeof LAYOUTS[number];

/** The daemon name (pid file, log) of the one process that runs every role. */
export const ALL_IN_ONE = "denovirt";

/** The layout `$DENOVIRT_LAYOUT` names, all-in-one when unset; throws on anything else. */
export function layoutFromEnv(): RoleLayout {
  return parseLayout(Deno.env.get("DENOVIRT_LAYOUT"));
}

/** A layout's name, all-in-one when empty; throws an Error naming the variable otherwise. */
export function parseLayout(value: string | undefined): RoleLayout {
  if (value === undefined || value === "") return "all-in-one";
  if ((LAYOUTS as readonly string[]).includes(value)) return value as RoleLayout;
  throw new Error(
    `DENOVIRT_LAYOUT must be one of ${LAYOUTS.join(", ")}, got ${JSON.stringify(value)}`,
  );
}

/** The pid of the process that runs `role` on the stack's own node, in either layout. */
export async function rolePid(paths: StackPaths, role: RoleName): Promise<number | undefined> {
  return await runningPid(paths, role) ?? await runningPid(paths, ALL_IN_ONE);
}

/** The log of the process that runs `role`: its own, else the all-in-one process's. */
export async function roleLog(paths: StackPaths, role: RoleName): Promise<string> {
  if (await runningPid(paths, role) !== undefined) return logFile(paths, role);
  if (await runningPid(paths, ALL_IN_ONE) !== undefined) return logFile(paths, ALL_IN_ONE);
  return logFile(paths, role);
}
