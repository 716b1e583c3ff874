/**
 * This node's local storage capacity: measured once (or given), less the bytes this node's
 * local PVs hold, counting the PVs it created that the cache does not show yet.
 */
import type { PersistentVolume } from "../../api/mod.ts";
import type { ReadonlyStore } from "../../lib/cache.ts";
import { allocatedBytes, nodeStorageAnnotations, usableBytes } from "./capacity.ts";
import { filesystemBytes } from "./filesystem.ts";

export interface NodeCapacityOptions {
  node: string;
  dataDir: string;
  /** `--local-storage-capacity`; else the filesystem of `dataDir` less 5 %. */
  capacityBytes: bigint | undefined;
  /** The filesystem's size (a seam for tests). */
  filesystemBytes?: (dir: string) => Promise<bigint>;
}

export class NodeCapacity {
  #opts: NodeCapacityOptions;
  #capacity: bigint | undefined;
  /** PVs created here that the cache may not show yet: they count as allocated. */
  #created = new Map<string, PersistentVolume>();

  constructor(opts: NodeCapacityOptions) {
    this.#opts = opts;
  }

  /** The PV named `name` if it was created here and the cache may not show it yet. */
  createdPv(name: string): PersistentVolume | undefined {
    return this.#created.get(name);
  }

  /** Counts a PV created here as allocated until the cache shows it. */
  addCreated(name: string, pv: PersistentVolume): void {
    this.#created.set(name, pv);
  }

  /** Bytes held by this node's local PVs, including those created but not seen yet. */
  allocated(volumes: ReadonlyStore<PersistentVolume>): bigint {
    for (const name of this.#created.keys()) {
      if (volumes.get(name)) this.#created.delete(name);
    }
    return allocatedBytes([...volumes.list(), ...this.#created.values()], this.#opts.node);
  }

  /** The bytes this node offers for local volumes. */
  async bytes(): Promise<bigint> {
    if (this.#opts.capacityBytes !== undefined) return this.#opts.capacityBytes;
    if (this.#capacity === undefined) {
      const measure = this.#opts.filesystemBytes ?? filesystemBytes;
      this.#capacity = usableBytes(await measure(this.#opts.dataDir));
    }
    return this.#capacity;
  }

  /** The Node annotations that publish the account now. */
  async annotations(volumes: ReadonlyStore<PersistentVolume>): Promise<Record<string, string>> {
    return nodeStorageAnnotations(await this.bytes(), this.allocated(volumes));
  }
}
