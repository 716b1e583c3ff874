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
 * from 164 to 125 MiB at none. So the agent calls it every few seconds (its heap-trim
 * controller, agent/node/heap_trim_controller.ts).
 */

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
