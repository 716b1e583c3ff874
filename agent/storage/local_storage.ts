/**
 * Node-local storage, assembled: watches claims, volumes and classes cluster-wide; provisions
 * this node's claims of the `denovirt.io/local` classes, deletes their released volumes,
 * publishes the node's capacity, runs imports, and resolves claims for VMIs.
 */
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from "../../api/mod.ts";
import { ANN_CLONE_REQUEST } from "../../api/storage_annotations.ts";
import { jittered } from "../../lib/backoff.ts";
import { Store } from "../../lib/cache.ts";
import { messageOf, TerminalError } from "../../lib/errors.ts";
import type { EventRecorder } from "../../lib/events.ts";
import { isConflict, isNotFound } from "../../lib/kube/api_error.ts";
import { keyOf, type KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import {
  configMaps,
  persistentVolumeClaims,
  persistentVolumes,
  secrets,
  storageClasses,
} from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import { WorkQueue } from "../../lib/queue.ts";
import { Reflector, restListWatch } from "../../lib/watch.ts";
import { FIELD_MANAGER, refOf } from "./api_writes.ts";
import { ensureEmptyDiskImage } from "./filesystem.ts";
import { ImportDriver, type ImportRunner } from "./import_driver.ts";
import { NodeCapacity } from "./node_capacity.ts";
import { isMineToProvision } from "./provision.ts";
import { claimResolution } from "./resolver.ts";
import { claimKeyOfPv, isLocalPv, pvNodeOf, volumesDirOf } from "./types.ts";
import { VolumeActions } from "./volume_actions.ts";

export interface LocalStorageOptions {
  rest: RestClient;
  node: string;
  dataDir: string;
  /** `--local-storage-capacity`; else the filesystem of `dataDir` less 5 %. */
  capacityBytes: bigint | undefined;
  runImport: ImportRunner;
  events: EventRecorder;
  log: Logger;
  /** A claim became ready for VMIs (bound here, its import done). */
  onClaimReady(namespace: string, name: string): void;
  /** The filesystem's size (a seam for tests). */
  filesystemBytes?: (dir: string) => Promise<bigint>;
}

/** The Node's storage annotations are checked this often (a re-registered Node loses them). */
const REPUBLISH_MS = 300_000;
const NODE_KEY = "node";
const claimKey = (key: string) => `claim:${key}`;
const volumeKey = (name: string) => `volume:${name}`;

/** Index of claims by the `namespace/name` they clone from. */
const byCloneSource = (pvc: PersistentVolumeClaim): string[] => {
  const request = pvc.metadata?.annotations?.[ANN_CLONE_REQUEST];
  if (!request) return [];
  return [request.includes("/") ? request : `${pvc.metadata?.namespace}/${request}`];
};

export class LocalStorage {
  readonly claims: Reflector<PersistentVolumeClaim>;
  readonly volumes: Reflector<PersistentVolume>;
  readonly classes: Reflector<StorageClass>;
  readonly volumesDir: string;
  #opts: LocalStorageOptions;
  #queue = new WorkQueue({
    concurrency: 4,
    backoff: { baseMs: 500, maxMs: 60_000, factor: 2, jitter: 0.2 },
  });
  #driver: ImportDriver;
  #capacity: NodeCapacity;
  #volumeActions: VolumeActions;

  constructor(opts: LocalStorageOptions) {
    this.#opts = opts;
    this.volumesDir = volumesDirOf(opts.dataDir);
    const { rest, log } = opts;
    this.claims = new Reflector<PersistentVolumeClaim>({
      name: "persistentvolumeclaims",
      store: new Store<PersistentVolumeClaim>({ byCloneSource }),
      log,
      source: restListWatch(rest, persistentVolumeClaims),
    });
    this.volumes = new Reflector<PersistentVolume>({
      name: "persistentvolumes",
      log,
      source: restListWatch(rest, persistentVolumes),
    });
    this.classes = new Reflector<StorageClass>({
      name: "storageclasses",
      log,
      source: restListWatch(rest, storageClasses),
    });
    this.#driver = new ImportDriver({
      run: opts.runImport,
      node: opts.node,
      volumesDir: this.volumesDir,
      lookups: {
        getSecret: (namespace, name) => this.#dataOf(secrets, namespace, name),
        getConfigMap: (namespace, name) => this.#dataOf(configMaps, namespace, name),
        claim: (namespace, name) => this.#claim(namespace, name),
      },
      patchAnnotations: (pvc, changes) =>
        rest.patch<PersistentVolumeClaim>(persistentVolumeClaims, refOf(pvc), {
          metadata: { annotations: changes },
        }, { type: "merge", fieldManager: FIELD_MANAGER }),
      events: opts.events,
      log,
      onClaimReady: opts.onClaimReady,
    });
    this.#capacity = new NodeCapacity(opts, this.volumes);
    this.#volumeActions = new VolumeActions({
      rest,
      node: opts.node,
      volumesDir: this.volumesDir,
      events: opts.events,
      log,
      volumes: this.volumes,
      classes: this.classes,
      capacity: this.#capacity,
      imports: this.#driver,
      onProvisioned: () => this.#queue.add(NODE_KEY),
    });
    this.claims.onChange((old, current) => this.#claimChanged(old, current));
    this.volumes.onChange((old, current) => {
      for (const pv of [old, current]) {
        if (!pv) continue;
        this.#queue.add(volumeKey(pv.metadata?.name ?? ""));
        const claim = claimKeyOfPv(pv);
        if (claim) this.#queue.add(claimKey(claim));
        if (isLocalPv(pv) && pvNodeOf(pv) === opts.node) this.#queue.add(NODE_KEY);
      }
    });
    this.classes.onChange((_, current) => {
      if (!current) return;
      const name = current.metadata?.name;
      for (const pvc of this.claims.store.list()) {
        if (pvc.spec?.storageClassName === name && isMineToProvision(pvc, opts.node)) {
          this.#queue.add(claimKey(keyOf(pvc)));
        }
      }
    });
  }

  /** True once claims, volumes and classes are listed. */
  get hasSynced(): boolean {
    return this.claims.hasSynced && this.volumes.hasSynced && this.classes.hasSynced;
  }

  /** The directory of a claim's volume on this node, ready for a VMI (see VolumeContext). */
  async resolveClaim(namespace: string, name: string): Promise<string> {
    if (!this.hasSynced) throw new Error(`claim ${namespace}/${name}: storage is not synced yet`);
    const { pvc, pv } = this.#claim(namespace, name);
    const resolution = claimResolution(namespace, name, pvc, pv, this.#opts.node, this.volumesDir);
    switch (resolution.kind) {
      case "retry":
        throw new Error(resolution.message);
      case "terminal":
        throw new TerminalError(resolution.message);
      case "ready":
        if (resolution.plain) {
          await ensureEmptyDiskImage(resolution.dir, this.volumesDir, resolution.capacityBytes);
        }
        return resolution.dir;
    }
  }

  /** Watches and works until `signal` aborts; stops every import it started. */
  async run(signal: AbortSignal): Promise<void> {
    const reflectors = [this.claims, this.volumes, this.classes];
    const stop = () => void this.#queue.shutDown();
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      await Deno.mkdir(this.volumesDir, { recursive: true });
      for (const reflector of reflectors) reflector.start();
      await Promise.race([Promise.all(reflectors.map((r) => r.synced())), aborted(signal)]);
      if (signal.aborted) return;
      this.#opts.log.info("Local storage synced", {
        claims: this.claims.store.size,
        volumes: this.volumes.store.size,
        volumesDir: this.volumesDir,
      });
      for (const key of this.claims.store.keys()) this.#queue.add(claimKey(key));
      for (const key of this.volumes.store.keys()) this.#queue.add(volumeKey(key));
      this.#queue.add(NODE_KEY);
      timer = setInterval(() => {
        this.#capacity.forgetPublished();
        this.#queue.add(NODE_KEY);
      }, jittered(REPUBLISH_MS, 0.1));
      signal.addEventListener("abort", stop, { once: true });
      if (signal.aborted) stop();
      await this.#queue.run((key) => this.#reconcile(key));
    } finally {
      clearInterval(timer);
      signal.removeEventListener("abort", stop);
      await this.#queue.shutDown();
      await this.#driver.stop();
      await Promise.all(reflectors.map((r) => r.stop()));
    }
  }

  #claim(
    namespace: string,
    name: string,
  ): { pvc: PersistentVolumeClaim | undefined; pv: PersistentVolume | undefined } {
    const pvc = this.claims.store.get(`${namespace}/${name}`);
    const volumeName = pvc?.spec?.volumeName;
    return { pvc, pv: volumeName ? this.volumes.store.get(volumeName) : undefined };
  }

  #claimChanged(
    old: PersistentVolumeClaim | undefined,
    current: PersistentVolumeClaim | undefined,
  ): void {
    const { node } = this.#opts;
    for (const pvc of [old, current]) if (pvc) this.#queue.add(claimKey(keyOf(pvc)));
    const pvc = current ?? old!;
    const key = keyOf(pvc);
    // Clones of this claim may start now.
    for (const clone of this.claims.store.byIndex("byCloneSource", key)) {
      this.#driver.wake(keyOf(clone));
    }
    if (!current) return;
    const ready = (p: PersistentVolumeClaim | undefined) => {
      const pv = p?.spec?.volumeName ? this.volumes.store.get(p.spec.volumeName) : undefined;
      const namespace = pvc.metadata?.namespace ?? "default";
      const name = pvc.metadata?.name ?? "";
      return claimResolution(namespace, name, p, pv, node, this.volumesDir).kind === "ready";
    };
    if (!ready(old) && ready(current)) {
      this.#opts.onClaimReady(current.metadata?.namespace ?? "default", current.metadata?.name!);
    }
  }

  async #reconcile(key: string): Promise<void> {
    try {
      if (key === NODE_KEY) await this.#capacity.publish();
      else if (key.startsWith("volume:")) {
        await this.#volumeActions.reclaim(key.slice("volume:".length));
      } else await this.#syncClaim(key.slice("claim:".length));
      this.#queue.forget(key);
    } catch (error) {
      const delayMs = this.#queue.addRateLimited(key);
      this.#opts.log[isConflict(error) ? "info" : "warn"]("Storage sync failed; retrying", {
        key,
        error: messageOf(error),
        attempt: this.#queue.failures(key),
        retryInMs: delayMs,
      });
    }
  }

  #syncClaim(key: string): Promise<void> {
    this.#driver.sync(key);
    return this.#volumeActions.provisionClaim(key, this.claims.store.get(key));
  }

  async #dataOf(
    resource: typeof secrets,
    namespace: string,
    name: string,
  ): Promise<Record<string, string> | undefined> {
    try {
      const obj = await this.#opts.rest.get<KubeObject & { data?: Record<string, string> }>(
        resource,
        { namespace, name },
      );
      return obj.data ?? {};
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
