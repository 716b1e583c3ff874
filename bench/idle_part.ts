/**
 * The idle part's own run, when the start part did not leave enough VMs running to measure on:
 * N VMs started as the start part starts them, measured once every guest booted, then removed.
 */
import type { GuestFixture } from "../stack/fixture/mod.ts";
import { type IdleFigures, idleFigures, measureIdle } from "./idle.ts";
import type { BenchOptions } from "./options.ts";
import { type StartContext, startThroughApi } from "./start_latency.ts";

/** Whether the start part runs enough VMs for the idle part to measure on them. */
export function idleOnStartVms(opts: BenchOptions): boolean {
  return opts.parts.includes("start") && opts.parts.includes("idle") && opts.n >= opts.idleVms;
}

/** Starts `opts.idleVms` VMs, measures the idle window on them, removes them. */
export async function idleOnOwnVms(
  ctx: Omit<StartContext, "diskRaw" | "marker">,
  fixture: GuestFixture,
  opts: BenchOptions,
  cpuRequest: string,
): Promise<IdleFigures> {
  ctx.say(`Part: idle cost, ${opts.idleVms} VMs of its own`);
  const namespace = `bench-idle-${crypto.randomUUID().slice(0, 6)}`;
  let figures: IdleFigures | undefined;
  await startThroughApi({ ...ctx, diskRaw: fixture.diskRaw, marker: fixture.marker }, {
    n: opts.idleVms,
    intervalMs: opts.intervalMs,
    memory: opts.guestMemory,
    cpuRequest,
    timeoutMs: opts.bootTimeoutS * 1000,
    namespace,
    atPeak: async () => {
      const run = await measureIdle(ctx.rest, ctx.stack.paths, {
        namespace,
        vms: opts.idleVms,
        seconds: opts.idleSeconds,
      }, ctx.say);
      figures = idleFigures(run);
    },
  });
  return figures!;
}
