/**
 * Gives the C heap's free pages back to the kernel after a burst of work.
 *
 * Deno's own allocations (HTTP and TLS buffers, JSON, FFI strings, libvirt's client) come from
 * glibc's malloc on the event-loop thread, whose heap grows by brk and can shrink only from its
 * top: after a burst (VMs starting or stopping by the dozen) most of it is free but held, in
 * holes below live blocks. Measured on the local stack with 40 VMs, the process's [heap] mapping
 * grew from 14 to 74 MiB while the V8 heap stayed at ~30 MiB, and stayed there when idle; glibc
 * counted 11-15 MiB in use and 47-88 MiB free. malloc_trim(0) releases every free page of every
 * arena (madvise), not only the top: one call took the process from 173 to 135 MiB at 40 VMs and
 * from 164 to 125 MiB at none. So the process calls it every few seconds.
 */
import { logger } from "./log.ts";

const log = logger({ component: "heap-trim" });

/**
 * How often to trim: 10 s. A trim took 0.3-0.4 ms with nothing to give back and 6-32 ms with
 * 47-88 MiB free, on a pool thread, not the event loop's. Unconditional: memory a burst used is
 * often freed later (a GC releasing buffers) without the RSS moving, so growth is no trigger.
 */
export const HEAP_TRIM_EVERY_MS = 10_000;

/**
 * glibc's malloc_trim(0), or undefined where it cannot be had: not Linux, no FFI permission
 * (a role run with a narrower permission set), or a libc without it (musl).
 */
export function openMallocTrim(): (() => Promise<void>) | undefined {
  if (Deno.build.os !== "linux") return undefined;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  try {
    const libc = Deno.dlopen("libc.so.6", {
      // On a pool thread: it walks the arenas (milliseconds on a large heap), not the event loop.
      malloc_trim: { parameters: ["usize"], result: "i32", nonblocking: true },
    });
    return async () => void await libc.symbols.malloc_trim(0n);
  } catch {
    return undefined;
  }
}

let running: (() => void) | undefined;

/**
 * Trims every `everyMs`; once per process (the roles of `denovirt all` share one heap). Never
 * keeps the process alive. Answers a stop function.
 */
export function startHeapTrim(everyMs = HEAP_TRIM_EVERY_MS): () => void {
  if (running) return running;
  const trim = openMallocTrim();
  if (!trim) {
    log.debug("Not trimming the C heap: glibc's malloc_trim is not available");
    return () => {};
  }
  let trimming = false;
  const timer = setInterval(async () => {
    if (trimming) return;
    trimming = true;
    await trim().catch((error) => log.warn("Trimming the C heap failed", { error: String(error) }))
      .finally(() => (trimming = false));
  }, everyMs);
  Deno.unrefTimer(timer);
  running = () => {
    clearInterval(timer);
    running = undefined;
  };
  return running;
}
