/**
 * The agent's VMI loop: keys from the VMI watch (this node's VMIs), from libvirt lifecycle events
 * and from a periodic resync of every domain, one worker per key: observe -> plan -> apply.
 */
import { CREATED_BY_LABEL, NODE_NAME_LABEL, type VMI } from "../../api/mod.ts";
import { dropManagedFields, type ReadonlyStore, Store } from "../../lib/cache.ts";
import { messageOf } from "../../lib/errors.ts";
import type { EventRecorder } from "../../lib/events.ts";
import { isConflict, isNotFound } from "../../lib/kube/api_error.ts";
import { keyOf, type KubeObject, splitKey } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import { WorkQueue } from "../../lib/queue.ts";
import { Reflector, restListWatch } from "../../lib/watch.ts";
import type { NodeFacts } from "../domain/mod.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import type { VolumeContext } from "../volumes/mod.ts";
import { apply, RetrySoon } from "./apply.ts";
import { keyOfDomainName } from "./keys.ts";
import { observe, PassMemory } from "./observe.ts";
import { plan } from "./plan.ts";

export interface VmiLoopOptions {
  rest: RestClient;
  hypervisor: Hypervisor;
  node: NodeFacts;
  volumes: VolumeContext;
  events: EventRecorder;
  log: Logger;
  /** Every domain and VMI is looked at again this often, as events can be missed. */
  resyncMs: number;
  /** Keys reconciled at once. */
  workers: number;
  /** This node's launcher pods, when watched: a deleted launcher pod stops its VM. */
  pods?: ReadonlyStore<KubeObject>;
}

/** Passes of one key in a row when each plan asks to look again at once. */
const MAX_PASSES = 3;

/** Index of VMIs by uid, to find the VMI of a launcher pod. */
const byUid = (vmi: VMI) => (vmi.metadata.uid ? [vmi.metadata.uid] : []);

export class VmiLoop {
  readonly reflector: Reflector<VMI>;
  readonly store: Store<VMI>;
  #opts: VmiLoopOptions;
  #queue: WorkQueue;
  #memory = new PassMemory();
  #libvirtOk = false;

  constructor(opts: VmiLoopOptions) {
    this.#opts = opts;
    this.store = new Store<VMI>({ byUid });
    this.reflector = new Reflector<VMI>({
      name: "virtualmachineinstances",
      store: this.store,
      log: opts.log,
      source: restListWatch(opts.rest, virtualMachineInstances, {
        labelSelector: `${NODE_NAME_LABEL}=${opts.node.name}`,
      }),
    });
    this.#queue = new WorkQueue({
      concurrency: opts.workers,
      backoff: { baseMs: 200, maxMs: 30_000, factor: 2, jitter: 0.2 },
    });
    this.reflector.onChange((old, current) => {
      for (const obj of [old, current]) if (obj) this.#queue.add(keyOf(obj));
    });
  }

  /** True once the VMI cache is synced and the last libvirt resync succeeded. */
  get ready(): boolean {
    return this.reflector.hasSynced && this.#libvirtOk;
  }

  /** Reconcile `key` soon (e.g. after a pause request). */
  enqueue(key: string): void {
    this.#queue.add(key);
  }

  /** The key of the VMI a launcher pod belongs to, if that VMI is cached. */
  keyOfPod(pod: KubeObject): string | undefined {
    const uid = pod.metadata?.labels?.[CREATED_BY_LABEL];
    const vmi = uid ? this.store.byIndex("byUid", uid)[0] : undefined;
    return vmi ? keyOf(vmi) : undefined;
  }

  /** Runs until `signal` aborts; workers start after the first list and a first resync. */
  async run(signal: AbortSignal): Promise<void> {
    const { hypervisor, log } = this.#opts;
    this.reflector.start();
    const unsubscribe = [
      hypervisor.onLifecycle((event) => {
        const key = keyOfDomainName(event.domain);
        if (key) this.#queue.add(key);
      }),
      hypervisor.onReconnect(() => {
        log.info("libvirt reconnected; resyncing every domain");
        void this.resync();
      }),
    ];
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      await Promise.race([this.reflector.synced(), aborted(signal)]);
      if (signal.aborted) return;
      await this.resync();
      timer = setInterval(() => void this.resync(), this.#opts.resyncMs);
      const stop = () => void this.#queue.shutDown();
      signal.addEventListener("abort", stop, { once: true });
      if (signal.aborted) stop();
      await this.#queue.run((key) => this.#reconcile(key));
    } finally {
      clearInterval(timer);
      for (const off of unsubscribe) off();
      await this.reflector.stop();
    }
  }

  /** Enqueues every cached VMI and every domain libvirt has (adopting domains after a restart). */
  async resync(): Promise<void> {
    for (const key of this.store.keys()) this.#queue.add(key);
    try {
      const domains = await this.#opts.hypervisor.list();
      for (const domain of domains) {
        const key = keyOfDomainName(domain.name);
        if (key) this.#queue.add(key);
      }
      if (!this.#libvirtOk) this.#opts.log.info("libvirt answers", { domains: domains.length });
      this.#libvirtOk = true;
    } catch (error) {
      if (this.#libvirtOk) {
        this.#opts.log.warn("Cannot list libvirt domains", { error: messageOf(error) });
      }
      this.#libvirtOk = false;
    }
  }

  async #getVmi(key: string): Promise<VMI | undefined> {
    const { namespace, name } = splitKey(key);
    try {
      const vmi = await this.#opts.rest.get<VMI>(virtualMachineInstances, {
        namespace: namespace!,
        name,
      });
      return dropManagedFields(vmi);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #reconcile(key: string): Promise<void> {
    const opts = this.#opts;
    const log = opts.log.with({ key });
    try {
      // A plan that asks to look again at once (after a start, a stale domain's teardown) gets
      // its next pass now, not behind every other key in the queue.
      let requeueAfterMs: number | undefined = 0;
      for (let pass = 0; pass < MAX_PASSES && requeueAfterMs === 0; pass++) {
        const observation = await observe(key, {
          node: opts.node.name,
          kvm: opts.node.kvm,
          vmis: this.store,
          ...(opts.pods ? { pods: opts.pods } : {}),
          hypervisor: opts.hypervisor,
          memory: this.#memory,
          getVmi: (k) => this.#getVmi(k),
        });
        const steps = plan(observation);
        if (steps.actions.length > 0) {
          log.debug("Plan", { actions: steps.actions.map((a) => a.type) });
        }
        await apply(observation, steps, { ...opts, memory: this.#memory, log });
        requeueAfterMs = steps.requeueAfterMs;
      }
      this.#queue.forget(key);
      if (requeueAfterMs !== undefined) this.#queue.addAfter(key, requeueAfterMs);
    } catch (error) {
      if (error instanceof RetrySoon) {
        this.#queue.forget(key);
        this.#queue.addAfter(key, 100);
        return;
      }
      const delayMs = this.#queue.addRateLimited(key);
      log[isConflict(error) ? "info" : "warn"]("Reconcile failed; retrying", {
        error: messageOf(error),
        attempt: this.#queue.failures(key),
        retryInMs: delayMs,
      });
    }
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
