/**
 * The last renewal of this node's Lease the agent saw, kept on the node's disk: an agent that
 * starts while the API server cannot be reached still knows when its fence time passes.
 */
import { join } from "node:path";

/** The file under the agent's data directory. */
export function lastRenewalFile(dataDir: string): string {
  return join(dataDir, "fencing", "last-renewal");
}

/** The renewTime recorded (ms since the epoch), or undefined when there is none. */
export async function readLastRenewal(file: string): Promise<number | undefined> {
  try {
    const at = Date.parse((await Deno.readTextFile(file)).trim());
    return Number.isNaN(at) ? undefined : at;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Records `renewTime` (written whole, then renamed, so a crash never leaves half a time). */
export async function writeLastRenewal(file: string, renewTime: string): Promise<void> {
  await Deno.mkdir(join(file, ".."), { recursive: true });
  const temporary = `${file}.tmp`;
  await Deno.writeTextFile(temporary, `${renewTime}\n`);
  await Deno.rename(temporary, file);
}
