/** The node agent's memory while it works, from /proc: its VmRSS and its subprocesses'. */
import { descendantsOf, statusKiB } from "./import_images.ts";
import { sleep } from "./pace.ts";

/** The peaks sampleAgent() saw, in MiB. */
export interface AgentPeaks {
  peakMiB: number;
  toolsPeakMiB: number;
}

/** The agent's VmRSS (and its subprocesses') every 100 ms until `stop()`; `gone` aborts if it exits. */
export function sampleAgent(pid: number): { gone: AbortSignal; stop(): Promise<AgentPeaks> } {
  const gone = new AbortController();
  let peak = 0;
  let toolsPeak = 0;
  let sampling = true;
  const done = (async () => {
    const start = performance.now();
    for (let tick = 1; sampling; tick++) {
      const rss = await statusKiB(pid, "VmRSS");
      if (rss === 0) return gone.abort(new Error(`The agent (pid ${pid}) exited`));
      peak = Math.max(peak, rss);
      let tools = 0;
      for (const child of descendantsOf(pid)) tools += await statusKiB(child, "VmRSS");
      toolsPeak = Math.max(toolsPeak, tools);
      await sleep(start + tick * 100 - performance.now());
    }
  })();
  return {
    gone: gone.signal,
    async stop() {
      sampling = false;
      await done;
      return { peakMiB: peak / 1024, toolsPeakMiB: toolsPeak / 1024 };
    },
  };
}

/** Resets the agent's VmHWM to its current RSS (clear_refs 5, proc(5)); false if not allowed. */
export function resetHighWaterMark(pid: number): Promise<boolean> {
  return Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5").then(() => true, () => false);
}
