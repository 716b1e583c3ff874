/**
 * containerDisk volumes for the VMI controller: the image (pulled into the node's cache as the
 * volume's policy asks, with its imagePullSecret), leased to the VMI until its files go, and
 * kubelet-style Events on the VMI while it is pulled. A pass never waits for a pull: it ends with
 * PullInProgress, and the end of the pull is a change of `pulls` (a watch source of the VMI
 * controller), which brings the VMI back.
 */
import type { ContainerDiskSource, VirtualMachineInstance } from "../../api/mod.ts";
import type { EventRecorder } from "../../lib/events.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { LocalSource } from "../../lib/local_source.ts";
import { PullError } from "./pull_error.ts";
import { credentialsOfPullSecret, PullSecretError } from "./pull_secret.ts";
import type { ImagePuller } from "./puller.ts";
import type { ImageStore } from "./store.ts";

export interface ContainerDisksOptions {
  puller: ImagePuller;
  store: ImageStore;
  events: EventRecorder;
  /** Pulls that ended, one object per VMI waiting for one (named as the VMI, with its uid). */
  pulls: LocalSource<KubeObject>;
  /** A Secret's `data`, or undefined when it does not exist. */
  getSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** The VolumeContext parts for containerDisks. */
export function containerDisks(opts: ContainerDisksOptions) {
  let settled = 0;
  return {
    async containerDisk(vmi: VirtualMachineInstance, source: ContainerDiskSource) {
      const namespace = vmi.metadata.namespace ?? "default";
      const credentials = source.imagePullSecret
        ? await pullSecret(opts, namespace, source.imagePullSecret)
        : undefined;
      const entry = await opts.puller.ensure({
        image: source.image,
        policy: source.imagePullPolicy ?? "IfNotPresent",
        ...(source.path ? { path: source.path } : {}),
        ...(credentials ? { credentials } : {}),
        ...(vmi.metadata.uid ? { requester: vmi.metadata.uid } : {}),
        onEvent: (type, reason, message) =>
          void opts.events.record(vmi as KubeObject, type, reason, message),
        onSettled: () => {
          const { name, uid } = vmi.metadata;
          opts.pulls.set({ metadata: { namespace, name, uid, generation: ++settled } });
        },
      });
      if (vmi.metadata.uid) await opts.store.lease(entry.name, vmi.metadata.uid);
      return { path: entry.path, format: entry.meta.format };
    },
    releaseImages: (uid: string) => {
      opts.puller.forget(uid);
      opts.pulls.deleteWhere((notice) => notice.metadata?.uid === uid);
      return opts.store.release(uid);
    },
  };
}

async function pullSecret(opts: ContainerDisksOptions, namespace: string, name: string) {
  const data = await opts.getSecret(namespace, name);
  if (!data) {
    throw new PullError(
      `Cannot pull with imagePullSecret ${namespace}/${name}: the Secret does not exist`,
      "ErrImagePull",
    );
  }
  try {
    return credentialsOfPullSecret(`${namespace}/${name}`, data);
  } catch (error) {
    if (error instanceof PullSecretError) throw new PullError(error.message, "ErrImagePull");
    throw error;
  }
}
