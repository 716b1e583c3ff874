/** How a containerDisk pull fails, in the words kubelet uses for container images. */

/** kubelet's reasons, which KubeVirt shows as the VM's printable status. */
export type PullReason = "ErrImagePull" | "ImagePullBackOff" | "ErrImageNeverPull";

/** A pull that failed, or waits for its backoff; the message names the image, never credentials. */
export class PullError extends Error {
  override name = "PullError";
  constructor(message: string, readonly reason: PullReason) {
    super(message);
  }
}

/** kubelet's image pull backoff: 10 s, doubling, at most 5 min. */
export const PULL_BACKOFF = { baseMs: 10_000, maxMs: 300_000, factor: 2, jitter: 0 };

/** Not a failure: the image is being pulled, and the requester is told when the pull ends. */
export class PullInProgress extends Error {
  override name = "PullInProgress";
}
