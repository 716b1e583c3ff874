/** What a Manager is given: its client, its controllers, and how it caches, leads and reports. */
import type { Controller } from "./controller.ts";
import type { EventRecorder } from "./events.ts";
import type { KubeObject } from "./kube/object.ts";
import type { RestClient } from "./kube/rest.ts";
import type { Resource } from "./kube/resources.ts";
import type { LeaderElectionOptions } from "./leader.ts";
import type { Logger } from "./log.ts";
import type { WorkQueueOptions } from "./queue.ts";
import type { Registry } from "./metrics/registry.ts";
import type { ReflectorOptions } from "./watch.ts";
import type { ListWatchSource, Selection } from "./watch_source.ts";

/** Options of a Manager. */
export interface ManagerOptions {
  rest: RestClient;
  controllers: Controller[];
  /** Names the process in logs and as the Events' source. Default `denovirt`. */
  component?: string;
  log?: Logger;
  events?: EventRecorder;
  /** Watch only this namespace; default all. */
  namespace?: string;
  /** Narrow what is cached of a resource (keeps memory small), e.g. launcher pods only. */
  selections?: Array<{ resource: Resource } & Selection>;
  /** Resources to cache for reads without mapping their changes to keys. */
  caches?: Resource[];
  /** Lease to hold before reconciling; without it every replica reconciles. */
  leaderElection?:
    & { namespace: string; name: string }
    & Omit<LeaderElectionOptions, "store" | "log">;
  reflector?: Pick<ReflectorOptions<KubeObject>, "quietTimeoutMs" | "resyncMs" | "backoff">;
  queue?: Pick<WorkQueueOptions, "backoff" | "clock">;
  /** Where lists and watches come from; default the API server (tests inject fakes). */
  sourceFor?: (resource: Resource) => ListWatchSource<KubeObject>;
  /** Where the work queues' depth, reconcile latency and retries are reported; default nowhere. */
  metrics?: Registry;
}
