/** The per-VMI run directory that holds the serial console socket and log. */
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { type VmiRunPaths, vmiRunPathsFor } from "../domain/serial.ts";
import type { NodeFacts } from "../domain/types.ts";

/** Creates the VMI's run directory (owner-only) before its domain starts; returns its paths. */
export async function ensureVmiRunDir(
  vmi: VirtualMachineInstance,
  node: NodeFacts,
): Promise<VmiRunPaths> {
  const paths = vmiRunPathsFor(vmi, node);
  await Deno.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  return paths;
}

/** Removes the VMI's run directory once its domain is gone. */
export async function removeVmiRunDir(vmi: VirtualMachineInstance, node: NodeFacts): Promise<void> {
  await Deno.remove(vmiRunPathsFor(vmi, node).dir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
