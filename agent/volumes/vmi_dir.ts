/** The per-VMI data directory `<dataDir>/vmis/<uid>/`, created on demand and removed with the VMI. */
import { join } from "node:path";
import { TerminalError } from "../../lib/errors.ts";

const UID = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/** The VMI's data directory (not created). */
export function vmiDataDir(dataDir: string, uid: string | undefined): string {
  if (!uid || !UID.test(uid)) {
    throw new TerminalError(`The VMI's uid ${JSON.stringify(uid)} cannot name a directory`);
  }
  return join(dataDir, "vmis", uid);
}

/** Creates the VMI's data directory (owner-only) and returns it. */
export async function ensureVmiDir(dataDir: string, uid: string | undefined): Promise<string> {
  const dir = vmiDataDir(dataDir, uid);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Removes everything the agent created for a VMI under its data directory. */
export async function removeVmiDir(dataDir: string, uid: string): Promise<void> {
  await Deno.remove(vmiDataDir(dataDir, uid), { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
