/** Finding commands on PATH, synchronously: tests decide at registration what they can run. */
import { join } from "node:path";

/** The path of `command` on PATH when it is an executable file there, else undefined. */
export function commandOnPath(
  command: string,
  path: string = Deno.env.get("PATH") ?? "",
): string | undefined {
  for (const dir of path.split(":").filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
