/** Small stream helpers: look at the first bytes without losing them, and watch bytes go by. */

export interface Peeked {
  /** The first `n` bytes (fewer if the stream is shorter). */
  head: Uint8Array;
  /** The whole stream, head included. */
  stream: ReadableStream<Uint8Array>;
}

/** Reads until `n` bytes are buffered, then hands back a stream that replays them first. */
export async function peek(source: ReadableStream<Uint8Array>, n: number): Promise<Peeked> {
  const reader = source.getReader();
  const buffered: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  while (size < n) {
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    if (value.length === 0) continue;
    buffered.push(value);
    size += value.length;
  }
  const head = new Uint8Array(Math.min(n, size));
  let at = 0;
  for (const chunk of buffered) {
    if (at === head.length) break;
    const part = chunk.subarray(0, head.length - at);
    head.set(part, at);
    at += part.length;
  }
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = buffered.shift();
      if (next) return controller.enqueue(next);
      if (ended) return controller.close();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
  return { head, stream };
}

/** A pass-through that shows each chunk to `onChunk` and tells `onEnd` when the input ended. */
export function tap(
  onChunk: (chunk: Uint8Array) => void,
  onEnd: () => void,
): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      onChunk(chunk);
      controller.enqueue(chunk);
    },
    flush: () => onEnd(),
  });
}

/** The same stream, with read errors passed through `map` first. */
export function mapErrors(
  source: ReadableStream<Uint8Array>,
  map: (error: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw map(error);
      }
      if (result.done) controller.close();
      else controller.enqueue(result.value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}
