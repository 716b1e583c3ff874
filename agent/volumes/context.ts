/** What volume preparation needs from the agent: its directories, lookups and the image cache. */
import type { ContainerDiskSource, VirtualMachineInstance } from "../../api/mod.ts";
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
  /**
   * A containerDisk's image in the node's cache (pulled as its policy asks), leased to the VMI:
   * the disk file (never written) and its format.
   */
  containerDisk(
    vmi: VirtualMachineInstance,
    source: ContainerDiskSource,
  ): Promise<{ path: string; format: "raw" | "qcow2" }>;
  /** The VMI `uid`'s overlays are gone: its images may be evicted. */
  releaseImages(uid: string): Promise<void>;
}

/** A message prefix naming the volume, as in every preparation error. */
export const volumeLabel = (name: string) => `volume ${JSON.stringify(name)}`;
