/**
 * A web ReadableStream over a node Readable, pulled one chunk at a time. Not `Readable.toWeb`:
 * its adapter enqueues from the Readable's events, and when the web stream is cancelled while
 * the Readable still has data buffered, the next event throws "The stream controller cannot
 * close or enqueue" from an event handler, an uncaught error that ends the process.
 */
import type { Readable } from "node:stream";

/** The Readable's chunks as plain Uint8Arrays; cancelling destroys the Readable. */
export function webStreamOf(
  readable: Readable,
  mapError: (error: unknown) => unknown = (error) => error,
): ReadableStream<Uint8Array> {
  // The iterator listens only from its first read: an error before it must not go uncaught (the
  // iterator still reports it, from the Readable's state).
  readable.on("error", () => {});
  const chunks = readable[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<Uint8Array | string>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw mapError(error);
      }
      if (next.done) return controller.close();
      const chunk = next.value;
      controller.enqueue(
        typeof chunk === "string"
          ? new TextEncoder().encode(chunk)
          // A Buffer's slice() shares memory where a Uint8Array's copies: hand out the latter.
          : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
      );
    },
    async cancel() {
      // Without an error: one would be emitted as 'error', which nobody listens to any more.
      readable.destroy();
      await chunks.return?.().catch(() => {});
    },
  }, { highWaterMark: 0 });
}
