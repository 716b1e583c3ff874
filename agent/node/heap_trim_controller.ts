/**
 * The agent gives its process's free C heap back to the kernel every few seconds
 * (lib/heap_trim.ts): a pass of its Manager under the Node's key that asks to run again later,
 * as the node controller's heartbeat does. No Node change asks for a trim.
 */
import type { Controller } from "../../lib/controller.ts";
import { HEAP_TRIM_EVERY_MS } from "../../lib/heap_trim.ts";
import { nodes } from "../../lib/kube/resources.ts";

/** The heap-trim controller of the agent on `node`, calling `trim` every `everyMs`. */
export function heapTrimController(
  node: string,
  trim: () => Promise<void>,
  everyMs = HEAP_TRIM_EVERY_MS,
): Controller {
  return {
    name: "heap-trim",
    for: nodes,
    keyOf: () => undefined,
    seedKeys: () => [node],
    startsBeforeSync: true,
    concurrency: 1,
    async reconcile() {
      await trim();
      return { requeueAfterMs: everyMs };
    },
  };
}
