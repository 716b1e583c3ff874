/** The command line of `denovirt all`: role segments separated by `--`, each a role's own flags. */

/** The roles `denovirt all` can run together. */
export const ALL_ROLES = ["controllers", "webhooks", "agent"] as const;
export type AllRole = typeof ALL_ROLES[number];

export interface RoleSegment {
  role: AllRole;
  args: string[];
}

/**
 * Splits `controllers --a -- webhooks --b -- agent --c` into one segment per role; throws an
 * Error naming what is wrong (an unknown or repeated role, an empty segment, no role at all).
 */
export function roleSegments(args: string[]): RoleSegment[] {
  const groups: string[][] = [[]];
  for (const arg of args) {
    if (arg === "--") groups.push([]);
    else groups[groups.length - 1]!.push(arg);
  }
  const segments: RoleSegment[] = [];
  for (const [first, ...rest] of groups) {
    if (first === undefined) throw new Error("Each segment between -- must start with a role");
    if (!(ALL_ROLES as readonly string[]).includes(first)) {
      throw new Error(
        `Unknown role ${JSON.stringify(first)}: a segment starts with one of ${
          ALL_ROLES.join(", ")
        }`,
      );
    }
    if (segments.some((s) => s.role === first)) {
      throw new Error(`The role ${first} is given twice`);
    }
    segments.push({ role: first as AllRole, args: rest });
  }
  return segments;
}
