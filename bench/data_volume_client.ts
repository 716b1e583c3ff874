/**
 * The DataVolume calls of bench/import_agent.ts: create one, watch it until `Succeeded`, read
 * the Events about its claim, delete it and wait until the agent freed its volume.
 */
import { LOCAL_IMMEDIATE_STORAGE_CLASS } from "../api/mod.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import {
  dataVolumes,
  events,
  persistentVolumeClaims,
  persistentVolumes,
} from "../lib/kube/resources.ts";
import { sleep } from "./pace.ts";

export type DataVolume = KubeObject & {
  status?: {
    phase?: string;
    progress?: string;
    claimName?: string;
    restartCount?: number;
    conditions?: Array<{ type: string; message?: string }>;
  };
};

/** Where a DataVolume imports from: an HTTP URL, or nothing (a blank disk). */
export type DataVolumeSource = { http: { url: string } } | { blank: Record<string, never> };

/** When the watch first saw each phase (performance.now()), and the DataVolume as it succeeded. */
export interface Phases {
  dv: DataVolume;
  firstSeen: Map<string, number>;
  succeededAt: number;
}

/** Creates a DataVolume of `storage` ("2Gi") on the local Immediate storage class. */
export function createDataVolume(
  rest: RestClient,
  dv: { namespace: string; name: string; source: DataVolumeSource; storage: string },
): Promise<DataVolume> {
  const { namespace, name, source, storage } = dv;
  return rest.create(dataVolumes, {
    apiVersion: "cdi.kubevirt.io/v1beta1",
    kind: "DataVolume",
    metadata: { name, namespace },
    spec: {
      source,
      storage: {
        storageClassName: LOCAL_IMMEDIATE_STORAGE_CLASS,
        resources: { requests: { storage } },
      },
    },
  });
}

/** Watches `created` until its phase is Succeeded; throws if it fails, goes or `signal` aborts. */
export async function untilSucceeded(
  rest: RestClient,
  created: DataVolume,
  signal: AbortSignal,
): Promise<Phases> {
  const namespace = created.metadata?.namespace;
  const name = created.metadata!.name!;
  const firstSeen = new Map<string, number>();
  let latest = created;
  const succeeded = (dv: DataVolume): boolean => {
    const at = performance.now();
    latest = dv;
    const phase = dv.status?.phase;
    if (phase && !firstSeen.has(phase)) firstSeen.set(phase, at);
    if (phase === "Failed") {
      const running = dv.status?.conditions?.find((c) => c.type === "Running");
      throw new Error(`Import of DataVolume ${name} failed: ${running?.message ?? "no message"}`);
    }
    return phase === "Succeeded";
  };
  let resourceVersion = created.metadata?.resourceVersion;
  try {
    for (let done = succeeded(created); !done;) {
      signal.throwIfAborted();
      if (resourceVersion === undefined) {
        const dv = await rest.get<DataVolume>(dataVolumes, { namespace, name }, signal);
        done = succeeded(dv);
        resourceVersion = dv.metadata?.resourceVersion;
        continue;
      }
      const events = rest.watch<DataVolume>(dataVolumes, {
        namespace,
        fieldSelector: `metadata.name=${name}`,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 60,
        signal,
      });
      for await (const event of events) {
        // An ERROR is a 410 Gone (or worse): read the object again and watch from there.
        if (event.type === "ERROR") {
          resourceVersion = undefined;
          break;
        }
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
        if (event.type === "DELETED") throw new Error(`DataVolume ${name} was deleted`);
        if (event.type !== "BOOKMARK" && (done = succeeded(event.object))) break;
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
    const { phase, progress } = latest.status ?? {};
    throw new Error(
      `DataVolume ${name} did not succeed (phase ${phase}, progress ${progress}): ` +
        `${(signal.reason as Error)?.message ?? signal.reason}`,
    );
  }
  return { dv: latest, firstSeen, succeededAt: firstSeen.get("Succeeded")! };
}

type Claim = KubeObject & { spec?: { volumeName?: string } };
type Volume = KubeObject & { spec?: { local?: { path: string } } };

/**
 * Deletes the DataVolume and waits until the agent removed its PV and directory (disk freed);
 * answers the seconds from the delete until the PV was gone.
 */
export async function deleteAndWaitForVolume(rest: RestClient, dv: DataVolume): Promise<number> {
  const namespace = dv.metadata?.namespace;
  const name = dv.metadata!.name!;
  const claimRef = { namespace, name: dv.status?.claimName ?? name };
  const volumeName = (await rest.get<Claim>(persistentVolumeClaims, claimRef)).spec?.volumeName;
  if (!volumeName) throw new Error(`Claim of DataVolume ${name} is not bound after its import`);
  const volume = await rest.get<Volume>(persistentVolumes, { name: volumeName });
  const deleted = performance.now();
  await rest.delete(dataVolumes, { namespace, name }, { propagationPolicy: "Background" });
  for (;;) {
    const seconds = (performance.now() - deleted) / 1000;
    const gone = await rest.get(persistentVolumes, { name: volumeName }).then(() => false, (e) => {
      if (isNotFound(e)) return true;
      throw e;
    });
    if (gone) {
      const dir = volume.spec?.local?.path;
      if (dir && (await Deno.stat(dir).then(() => true, () => false))) {
        throw new Error(`PersistentVolume ${volumeName} is gone but its directory ${dir} is not`);
      }
      return seconds;
    }
    if (seconds > 180) throw new Error(`PersistentVolume ${volumeName} is there after 180 s`);
    await sleep(250);
  }
}

type Event = KubeObject & {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
};

/**
 * The reasons of the Events about a claim, oldest first, repeats counted, with the message of
 * each warning: "WaitingForNode ×2 (no ready node ...), Provisioning, ...".
 */
export async function claimEventReasons(
  rest: RestClient,
  namespace: string,
  claim: string,
): Promise<string> {
  const list = await rest.list<Event>(events, {
    namespace,
    fieldSelector: `involvedObject.kind=PersistentVolumeClaim,involvedObject.name=${claim}`,
  });
  return eventReasonsOf(list.items);
}

/** The summary claimEventReasons() answers, of events already listed; "none" for none. */
export function eventReasonsOf(items: Event[]): string {
  const reasons = items
    .sort((a, b) => (a.firstTimestamp ?? "").localeCompare(b.firstTimestamp ?? ""))
    .map((e) =>
      `${e.reason}${(e.count ?? 1) > 1 ? ` ×${e.count}` : ""}` +
      (e.type === "Warning" ? ` ("${e.message}")` : "")
    );
  return reasons.join(", ") || "none";
}
