/** What volume preparation needs from the agent: its directories and two lookups. */
import type { PreparedDisk } from "../domain/types.ts";

export type { PreparedDisk };

export interface VolumeContext {
  /** The agent's data directory; per-VMI files live under `<dataDir>/vmis/<uid>/`. */
  dataDir: string;
  /** Directories `hostDisk` volumes may name files in (the agent's configuration). */
  hostDiskRoots: string[];
  /** A Secret's `data` (base64 values, as the API returns them), or undefined if it is absent. */
  getSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The host path of a node-local claim's volume: a file, a block device, or a directory holding `disk.img`. */
  resolveClaim(namespace: string, claimName: string): Promise<string>;
}

/** A message prefix naming the volume, as in every preparation error. */
export const volumeLabel = (name: string) => `volume ${JSON.stringify(name)}`;
