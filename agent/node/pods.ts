/**
 * Launcher pods on a kubelet-less node: the agent reports them Running once bound here (as a
 * kubelet would after starting the holder container), Succeeded or Failed when their VMI ends,
 * and completes the deletion of a terminating pod once its VMI is gone (a kubelet's last step).
 */
import { CREATED_BY_LABEL, isFinished, type Pod, type VMI } from "../../api/mod.ts";
import type { ReadonlyStore, Store } from "../../lib/cache.ts";
import { messageOf } from "../../lib/errors.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { keyOf } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { pods } from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import { WorkQueue } from "../../lib/queue.ts";
import type { Reflector } from "../../lib/watch.ts";
import { type LauncherOutcome, launcherPodStatus, podStatusChanged } from "../status/pod_status.ts";

/** Index of pods by the uid of the VMI that created them. */
export const byCreator = (pod: Pod) => {
  const uid = pod.metadata?.labels?.[CREATED_BY_LABEL];
  return uid ? [uid] : [];
};

export interface PodReporterOptions {
  rest: RestClient;
  node: string;
  /** The node's address, reported as the pods' hostIP. */
  hostIP: string;
  pods: Reflector<Pod>;
  vmis: {
    store: ReadonlyStore<VMI>;
    reflector: Reflector<VMI>;
  };
  log: Logger;
}

/** Where a launcher pod's VMI is; undefined: wait (the VMI is still stopping). */
export function outcomeOf(
  pod: Pod,
  vmi: VMI | undefined,
): LauncherOutcome | undefined {
  const phase = vmi?.status?.phase;
  if (isFinished(phase)) return phase as LauncherOutcome;
  if (pod.metadata?.deletionTimestamp) return vmi ? undefined : "Succeeded";
  return "Running";
}

export class LauncherPodReporter {
  #opts: PodReporterOptions;
  #queue = new WorkQueue({ concurrency: 2, backoff: { baseMs: 200, maxMs: 30_000 } });

  constructor(opts: PodReporterOptions) {
    this.#opts = opts;
    opts.pods.onChange((old, current) => {
      for (const pod of [old, current]) if (pod) this.#queue.add(keyOf(pod));
    });
    opts.vmis.reflector.onChange((old, current) => {
      for (const vmi of [old, current]) {
        const uid = vmi?.metadata.uid;
        if (!uid) continue;
        const store = opts.pods.store as Store<Pod>;
        for (const pod of store.byIndex("byCreator", uid)) this.#queue.add(keyOf(pod));
      }
    });
  }

  /** Runs until `signal` aborts (the caller starts and syncs the reflectors). */
  async run(signal: AbortSignal): Promise<void> {
    for (const key of this.#opts.pods.store.keys()) this.#queue.add(key);
    const stop = () => void this.#queue.shutDown();
    signal.addEventListener("abort", stop, { once: true });
    if (signal.aborted) stop();
    await this.#queue.run((key) => this.#reconcile(key));
  }

  async #reconcile(key: string): Promise<void> {
    try {
      await this.#sync(key);
      this.#queue.forget(key);
    } catch (error) {
      const delayMs = this.#queue.addRateLimited(key);
      this.#opts.log.warn("Cannot report launcher pod status; retrying", {
        pod: key,
        error: messageOf(error),
        retryInMs: delayMs,
      });
    }
  }

  async #sync(key: string): Promise<void> {
    const { rest, node, log } = this.#opts;
    const pod = this.#opts.pods.store.get(key);
    if (!pod || pod.spec?.nodeName !== node) return; // The agent writes only its own node's pods.
    const uid = pod.metadata?.labels?.[CREATED_BY_LABEL];
    const vmi = uid ? this.#opts.vmis.store.byIndex("byUid", uid)[0] : undefined;
    const outcome = outcomeOf(pod, vmi);
    if (!outcome) return;
    const ref = { namespace: pod.metadata!.namespace!, name: pod.metadata!.name! };
    const status = launcherPodStatus(pod, outcome, this.#opts.hostIP, new Date().toISOString());
    if (podStatusChanged(pod, status)) {
      await rest.patch(pods, ref, { metadata: { uid: pod.metadata?.uid }, status }, {
        type: "strategic",
        subresource: "status",
        fieldManager: "denovirt-agent",
      });
      log.info("Launcher pod status reported", { pod: key, phase: outcome });
    }
    if (pod.metadata?.deletionTimestamp && outcome !== "Running") {
      // A kubelet confirms the deletion once the pod's containers are gone: here, the VM.
      await rest.delete(pods, ref, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid! },
      }).catch((error) => {
        if (!isNotFound(error)) throw error;
      });
      log.info("Launcher pod deletion completed", { pod: key });
    }
  }
}
