import type { PersistentVolumeClaim } from "../../api/mod.ts";
/**
 * The claims whose import ended here, remembered until the cache shows this agent's last
 * write, so that a lagging cache does not start the import again.
 */

/** A claim whose import ended here: the cache may not show it yet. */
interface Finished {
  uid: string;
  resourceVersion: string | undefined;
}

export class FinishedImports {
  #finished = new Map<string, Finished>();

  /** The import of claim `key` (`uid`) ended with the write that made `resourceVersion`. */
  set(key: string, uid: string, resourceVersion: string | undefined): void {
    this.#finished.set(key, { uid, resourceVersion });
  }

  delete(key: string): void {
    this.#finished.delete(key);
  }

  /** True while the cache still shows the claim from before this agent ended its import. */
  endedHere(key: string, pvc: PersistentVolumeClaim): boolean {
    const finished = this.#finished.get(key);
    if (!finished) return false;
    if (finished.uid === pvc.metadata?.uid && isOlder(pvc.metadata?.resourceVersion, finished)) {
      return true;
    }
    this.#finished.delete(key);
    return false;
  }
}

/** True when resourceVersion `rv` is known to come before the one `finished` wrote. */
function isOlder(rv: string | undefined, finished: Finished): boolean {
  const mine = finished.resourceVersion;
  if (!rv || !mine) return false;
  // resourceVersions are etcd revisions in practice; others cannot be ordered.
  return /^\d+$/.test(rv) && /^\d+$/.test(mine) && BigInt(rv) < BigInt(mine);
}
