/**
 * Node-local storage, assembled: watches claims, volumes and classes cluster-wide; provisions
 * this node's claims of the `denovirt.io/local` classes, deletes their released volumes,
 * publishes the node's capacity, runs imports, and resolves claims for VMIs.
 */
import { ANN_CLONE_REQUEST, SELECTED_NODE } from "../../api/storage_annotations.ts";
import { jittered } from "../../lib/backoff.ts";
import { Store } from "../../lib/cache.ts";
import { messageOf, TerminalError } from "../../lib/errors.ts";
import type { EventRecorder } from "../../lib/events.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../../lib/kube/api_error.ts";
import { keyOf, type KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import {
  configMaps,
  nodes,
  persistentVolumeClaims,
  persistentVolumes,
  secrets,
  storageClasses,
} from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import { WorkQueue } from "../../lib/queue.ts";
import { Reflector, restListWatch } from "../../lib/watch.ts";
import { allocatedBytes, nodeStorageAnnotations, usableBytes } from "./capacity.ts";
import { deletionOf } from "./deleter.ts";
import {
  ensureEmptyDiskImage,
  ensureVolumeDir,
  filesystemBytes,
  removeVolumeDir,
} from "./filesystem.ts";
import { ImportDriver, type ImportRunner } from "./import_driver.ts";
import { annotationChanges } from "./import_state.ts";
import { isMineToProvision, provisionDecision } from "./provision.ts";
import { claimResolution } from "./resolver.ts";
import {
  claimKeyOfPv,
  isLocalPv,
  type Pv,
  type Pvc,
  pvNameFor,
  pvNodeOf,
  type StorageClass,
  volumesDirOf,
} from "./types.ts";

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

const FIELD_MANAGER = "denovirt-agent";
/** The Node's storage annotations are checked this often (a re-registered Node loses them). */
const REPUBLISH_MS = 300_000;
const NODE_KEY = "node";
const claimKey = (key: string) => `claim:${key}`;
const volumeKey = (name: string) => `volume:${name}`;

/** Index of claims by the `namespace/name` they clone from. */
const byCloneSource = (pvc: Pvc): string[] => {
  const request = pvc.metadata?.annotations?.[ANN_CLONE_REQUEST];
  if (!request) return [];
  return [request.includes("/") ? request : `${pvc.metadata?.namespace}/${request}`];
};

export class LocalStorage {
  readonly claims: Reflector<Pvc>;
  readonly volumes: Reflector<Pv>;
  readonly classes: Reflector<StorageClass>;
  readonly volumesDir: string;
  #opts: LocalStorageOptions;
  #queue = new WorkQueue({
    concurrency: 4,
    backoff: { baseMs: 500, maxMs: 60_000, factor: 2, jitter: 0.2 },
  });
  #driver: ImportDriver;
  #capacity: bigint | undefined;
  /** PVs created here that the cache may not show yet: they count as allocated. */
  #created = new Map<string, Pv>();
  #provisioning = Promise.resolve();
  #published: string | undefined;
  /** The resourceVersion each refused claim was last reported at, so events do not repeat. */
  #refused = new Map<string, string | undefined>();

  constructor(opts: LocalStorageOptions) {
    this.#opts = opts;
    this.volumesDir = volumesDirOf(opts.dataDir);
    const { rest, log } = opts;
    this.claims = new Reflector<Pvc>({
      name: "persistentvolumeclaims",
      store: new Store<Pvc>({ byCloneSource }),
      log,
      source: restListWatch(rest, persistentVolumeClaims),
    });
    this.volumes = new Reflector<Pv>({
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
        rest.patch<Pvc>(persistentVolumeClaims, refOf(pvc), {
          metadata: { annotations: changes },
        }, { type: "merge", fieldManager: FIELD_MANAGER }),
      events: opts.events,
      log,
      onClaimReady: opts.onClaimReady,
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
        this.#published = undefined;
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

  #claim(namespace: string, name: string): { pvc: Pvc | undefined; pv: Pv | undefined } {
    const pvc = this.claims.store.get(`${namespace}/${name}`);
    const volumeName = pvc?.spec?.volumeName;
    return { pvc, pv: volumeName ? this.volumes.store.get(volumeName) : undefined };
  }

  #claimChanged(old: Pvc | undefined, current: Pvc | undefined): void {
    const { node } = this.#opts;
    for (const pvc of [old, current]) if (pvc) this.#queue.add(claimKey(keyOf(pvc)));
    const pvc = current ?? old!;
    const key = keyOf(pvc);
    // Clones of this claim may start now.
    for (const clone of this.claims.store.byIndex("byCloneSource", key)) {
      this.#driver.wake(keyOf(clone));
    }
    if (!current) return;
    const ready = (p: Pvc | undefined) => {
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
      if (key === NODE_KEY) await this.#publishCapacity();
      else if (key.startsWith("volume:")) await this.#reclaim(key.slice("volume:".length));
      else await this.#syncClaim(key.slice("claim:".length));
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

  async #syncClaim(key: string): Promise<void> {
    this.#driver.sync(key);
    const pvc = this.claims.store.get(key);
    if (!pvc) this.#refused.delete(key);
    if (!pvc || !isMineToProvision(pvc, this.#opts.node)) return;
    // One claim at a time, so that two claims cannot both take the last free bytes.
    const turn = this.#provisioning.then(() => this.#provision(pvc));
    this.#provisioning = turn.catch(() => {});
    await turn;
  }

  async #provision(pvc: Pvc): Promise<void> {
    const { node, rest, events, log } = this.#opts;
    const key = keyOf(pvc);
    const pvName = pvNameFor(pvc);
    const storageClass = this.classes.store.get(pvc.spec?.storageClassName ?? "");
    const decision = provisionDecision({
      pvc,
      node,
      volumesDir: this.volumesDir,
      storageClass,
      existingPv: this.volumes.store.get(pvName) ?? this.#created.get(pvName),
      capacity: await this.#capacityBytes(),
      allocated: this.#allocated(),
    });
    switch (decision.action) {
      case "ignore":
        return;
      case "waitForClass":
        log.info("Claim waits for its StorageClass", { claim: key, class: decision.className });
        return;
      case "exists":
        await ensureVolumeDir(decision.dir, this.volumesDir);
        return;
      case "refuse": {
        const rv = pvc.metadata?.resourceVersion;
        if (this.#refused.has(key) && this.#refused.get(key) === rv) return;
        this.#refused.set(key, rv);
        log.warn("Cannot provision claim", { claim: key, reason: decision.message });
        await events.warning(pvc, "ProvisioningFailed", decision.message);
        if (decision.unselect) {
          // As sig-storage's provisioner library does: the scheduler (or the controllers) pick again.
          await rest.patch(persistentVolumeClaims, refOf(pvc), {
            metadata: { annotations: { [SELECTED_NODE]: null } },
          }, { type: "merge", fieldManager: FIELD_MANAGER });
        }
        return;
      }
      case "provision": {
        await events.normal(
          pvc,
          "Provisioning",
          `External provisioner is provisioning volume for claim "${key}"`,
        );
        await ensureVolumeDir(decision.dir, this.volumesDir);
        try {
          const created = await rest.create<Pv>(persistentVolumes, decision.pv, {
            fieldManager: FIELD_MANAGER,
          });
          this.#created.set(pvName, created);
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
        log.info("Volume provisioned", { claim: key, volume: pvName, dir: decision.dir });
        await events.normal(
          pvc,
          "ProvisioningSucceeded",
          `Successfully provisioned volume ${pvName}`,
        );
        this.#queue.add(NODE_KEY);
        return;
      }
    }
  }

  /** Bytes held by this node's local PVs, including those created but not seen yet. */
  #allocated(): bigint {
    for (const name of this.#created.keys()) {
      if (this.volumes.store.get(name)) this.#created.delete(name);
    }
    return allocatedBytes(
      [...this.volumes.store.list(), ...this.#created.values()],
      this.#opts.node,
    );
  }

  async #capacityBytes(): Promise<bigint> {
    if (this.#opts.capacityBytes !== undefined) return this.#opts.capacityBytes;
    if (this.#capacity === undefined) {
      const measure = this.#opts.filesystemBytes ?? filesystemBytes;
      this.#capacity = usableBytes(await measure(this.#opts.dataDir));
    }
    return this.#capacity;
  }

  async #reclaim(name: string): Promise<void> {
    const pv = this.volumes.store.get(name);
    const deletion = pv && deletionOf(pv, this.#opts.node, this.volumesDir);
    if (!pv || !deletion) return;
    const log = this.#opts.log.with({ volume: name, claim: deletion.claimKey });
    if (deletion.claimKey) await this.#driver.cancel(deletion.claimKey, deletion.claimUid);
    await removeVolumeDir(deletion.dir, this.volumesDir);
    try {
      await this.#opts.rest.delete(persistentVolumes, { name }, {
        preconditions: { uid: pv.metadata?.uid ?? "" },
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    log.info("Volume deleted", { dir: deletion.dir });
  }

  async #publishCapacity(): Promise<void> {
    if (!this.volumes.hasSynced) return;
    const { rest, node } = this.#opts;
    const desired = nodeStorageAnnotations(await this.#capacityBytes(), this.#allocated());
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

function refOf(pvc: Pvc): { namespace: string; name: string } {
  return { namespace: pvc.metadata?.namespace ?? "default", name: pvc.metadata?.name ?? "" };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
