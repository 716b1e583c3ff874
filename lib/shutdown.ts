/** Graceful stop on SIGINT/SIGTERM: an AbortSignal plus callbacks, and a hard exit on a second signal. */
import { messageOf } from "./errors.ts";
import { type Logger, logger } from "./log.ts";

/** Options of `onShutdown`. */
export interface ShutdownOptions {
  signals?: Deno.Signal[];
  log?: Logger;
  /** Exit at once when a second signal arrives while stopping. Default true. */
  exitOnSecondSignal?: boolean;
}

/** The stop signal of a process, and the work to do when it fires. */
export interface Shutdown {
  /** Aborts on the first signal (or `trigger`). */
  readonly signal: AbortSignal;
  /** Run `callback` on shutdown, in reverse order of registration; awaited by `done`. */
  onStop(callback: () => Promise<void> | void): void;
  /** Start shutting down as if a signal had arrived. */
  trigger(reason?: string): void;
  /** Resolves once every callback has finished. */
  readonly done: Promise<void>;
  /** Remove the signal listeners (tests, or a process that stops otherwise). */
  dispose(): void;
}

/** Listen for SIGINT/SIGTERM; the returned Shutdown aborts its signal and runs callbacks. */
export function onShutdown(opts: ShutdownOptions = {}): Shutdown {
  const log = opts.log ?? logger();
  const signals = opts.signals ?? ["SIGINT", "SIGTERM"];
  const controller = new AbortController();
  const callbacks: Array<() => Promise<void> | void> = [];
  let finish!: () => void;
  const done = new Promise<void>((resolve) => finish = resolve);

  const trigger = (reason = "requested") => {
    if (controller.signal.aborted) return;
    log.info("Shutting down", { reason });
    controller.abort(reason);
    (async () => {
      // Last registered stops first: what started last usually depends on what started first.
      for (const callback of callbacks.toReversed()) {
        try {
          await callback();
        } catch (error) {
          log.error("Shutdown step failed", { error: messageOf(error) });
        }
      }
      finish();
    })();
  };
  const onSignal = (name: Deno.Signal) => () => {
    if (controller.signal.aborted && opts.exitOnSecondSignal !== false) {
      log.warn("Second signal: exiting now", { signal: name });
      Deno.exit(130);
    }
    trigger(name);
  };
  const listeners = signals.map((name) => [name, onSignal(name)] as const);
  for (const [name, listener] of listeners) Deno.addSignalListener(name, listener);

  return {
    signal: controller.signal,
    onStop: (callback) => void callbacks.push(callback),
    trigger,
    done,
    dispose: () => {
      for (const [name, listener] of listeners) Deno.removeSignalListener(name, listener);
    },
  };
}
