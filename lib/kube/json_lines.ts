/** Incremental parsing of a newline-delimited JSON stream (the watch wire format). */

/** Each JSON value of `stream`, parsed as soon as its line is complete; blank lines skipped. */
export async function* jsonLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  // Only the unfinished tail is kept: memory stays bounded by the largest single object.
  let tail = "";
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      tail += value;
      let newline = tail.indexOf("\n");
      while (newline >= 0) {
        const line = tail.slice(0, newline).trim();
        tail = tail.slice(newline + 1);
        if (line) yield JSON.parse(line);
        newline = tail.indexOf("\n");
      }
    }
    if (tail.trim()) yield JSON.parse(tail);
  } finally {
    // A consumer that stops early must still release the connection.
    await reader.cancel().catch(() => {});
  }
}
