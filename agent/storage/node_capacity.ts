/**
 * This node's local storage capacity: measured once (or given), less the bytes this node's
 * local PVs hold, published on the Node's annotations when it changed.
 */
import type { PersistentVolume } from "../../api/mod.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { nodes } from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import type { Reflector } from "../../lib/watch.ts";
import { FIELD_MANAGER } from "./api_writes.ts";
import { allocatedBytes, nodeStorageAnnotations, usableBytes } from "./capacity.ts";
import { filesystemBytes } from "./filesystem.ts";
import { annotationChanges } from "./import_state.ts";

export interface NodeCapacityOptions {
  rest: RestClient;
  node: string;
  dataDir: string;
  /** `--local-storage-capacity`; else the filesystem of `dataDir` less 5 %. */
  capacityBytes: bigint | undefined;
  log: Logger;
  /** The filesystem's size (a seam for tests). */
  filesystemBytes?: (dir: string) => Promise<bigint>;
}

export class NodeCapacity {
  #opts: NodeCapacityOptions;
  #volumes: Reflector<PersistentVolume>;
  #capacity: bigint | undefined;
  /** PVs created here that the cache may not show yet: they count as allocated. */
  #created = new Map<string, PersistentVolume>();
  #published: string | undefined;

  constructor(opts: NodeCapacityOptions, volumes: Reflector<PersistentVolume>) {
    this.#opts = opts;
    this.#volumes = volumes;
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
  allocated(): bigint {
    for (const name of this.#created.keys()) {
      if (this.#volumes.store.get(name)) this.#created.delete(name);
    }
    return allocatedBytes(
      [...this.#volumes.store.list(), ...this.#created.values()],
      this.#opts.node,
    );
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

  /** Makes the next `publish()` check the Node even if nothing changed here. */
  forgetPublished(): void {
    this.#published = undefined;
  }

  /** Writes the node's storage annotations when they differ from the Node's. */
  async publish(): Promise<void> {
    if (!this.#volumes.hasSynced) return;
    const { rest, node } = this.#opts;
    const desired = nodeStorageAnnotations(await this.bytes(), this.allocated());
    const text = JSON.stringify(desired);
    if (this.#published === text) return;
    const current = await rest.get<KubeObject>(nodes, { name: node });
    if (annotationChanges(current.metadata?.annotations, desired)) {
      await rest.patch(nodes, { name: node }, { metadata: { annotations: desired } }, {
        type: "merge",
        fieldManager: FIELD_MANAGER,
      });
      this.#opts.log.info("Local storage published", desired);
    }
    this.#published = text;
  }
}
