/** An open-loop load generator: requests are sent on schedule whatever the answers do. */
import { sleep } from "./pace.ts";

export interface OpenLoopResult {
  /** Latency of each answered request, ms, from when it was sent. */
  latenciesMs: number[];
  /** The same latencies split by the tag each request answered. */
  byTag: Record<string, number[]>;
  /** How late each request left against its schedule, ms (the client's own lag). */
  sendLagMs: number[];
  errors: number;
  /** The first few error messages. */
  errorSamples: string[];
  sent: number;
  elapsedS: number;
}

/**
 * Sends `request(i)` at `rate` per second for `seconds`. Timers are coarse, so each wake-up
 * sends every request that has come due; none waits for an earlier one to be answered.
 */
export async function openLoop(
  rate: number,
  seconds: number,
  request: (i: number) => Promise<string | void>,
): Promise<OpenLoopResult> {
  const total = Math.round(rate * seconds);
  const periodMs = 1000 / rate;
  const result: OpenLoopResult = {
    latenciesMs: [],
    byTag: {},
    sendLagMs: [],
    errors: 0,
    errorSamples: [],
    sent: 0,
    elapsedS: 0,
  };
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * periodMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const sentAt = performance.now();
    result.sendLagMs.push(Math.max(0, sentAt - due));
    result.sent++;
    inFlight.push(
      request(i).then(
        (tag) => {
          const ms = performance.now() - sentAt;
          result.latenciesMs.push(ms);
          if (tag) (result.byTag[tag] ??= []).push(ms);
        },
        (error) => {
          result.errors++;
          if (result.errorSamples.length < 3) result.errorSamples.push(String(error));
        },
      ),
    );
  }
  await Promise.all(inFlight);
  result.elapsedS = (performance.now() - start) / 1000;
  return result;
}
