/** When each VMI of a namespace first existed, was Scheduled and was Running (client clock). */
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { virtualMachineInstances } from "../lib/kube/resources.ts";
import { sleep } from "./pace.ts";

type Vmi = KubeObject & { status?: { phase?: string } };

/** The stages a VMI goes through on its way to running, in order. */
export const STAGES = ["Created", "Scheduled", "Running"] as const;
export type Stage = typeof STAGES[number];

/** First-seen times (performance.now()) by stage and VMI name; filled until `signal` aborts. */
export interface PhaseWatch {
  seen: Record<Stage, Map<string, number>>;
  /** Resolves once the first list answered, so that no later event is missed. */
  ready: Promise<void>;
}

/** The stages a VMI in `phase` has reached (a Running VMI was also Scheduled). */
export function stagesOf(phase: string | undefined): Stage[] {
  if (phase === "Running") return ["Created", "Scheduled", "Running"];
  if (phase === "Scheduled") return ["Created", "Scheduled"];
  return ["Created"];
}

/** Watches the namespace's VMIs and notes when each first reached each stage. */
export function watchPhases(rest: RestClient, namespace: string, signal: AbortSignal): PhaseWatch {
  const seen = { Created: new Map(), Scheduled: new Map(), Running: new Map() };
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const note = (vmi: Vmi, at: number) => {
    const name = vmi.metadata?.name;
    if (!name) return;
    for (const stage of stagesOf(vmi.status?.phase)) {
      if (!seen[stage].has(name)) seen[stage].set(name, at);
    }
  };
  (async () => {
    while (!signal.aborted) {
      try {
        const list = await rest.list<Vmi>(virtualMachineInstances, { namespace, signal });
        const listedAt = performance.now();
        for (const vmi of list.items) note(vmi, listedAt);
        markReady();
        const events = rest.watch<Vmi>(virtualMachineInstances, {
          namespace,
          signal,
          resourceVersion: list.metadata.resourceVersion,
          allowWatchBookmarks: true,
        });
        for await (const event of events) {
          if (event.type === "ERROR") break;
          if (event.type === "BOOKMARK" || event.type === "DELETED") continue;
          note(event.object, performance.now());
        }
      } catch {
        // Relist and watch again: a missed event only makes a time later, never earlier.
      }
      if (!signal.aborted) await sleep(100);
    }
    markReady();
  })();
  return { seen, ready };
}
