/** The image inside a compressed body: gzip in-process, xz through an `xz -dc` subprocess. */
import { once } from "node:events";
import { createGunzip } from "node:zlib";
import { messageOf } from "../../lib/errors.ts";
import type { Compression } from "./detect.ts";
import { terminal } from "./errors.ts";
import { mapErrors } from "./streams.ts";
import { ImportError } from "./types.ts";

export interface Decompressed {
  stream: ReadableStream<Uint8Array>;
  /** Stops and reaps what still runs; call once, always. */
  close(): Promise<void>;
}

/** The decompressed stream; errors of the input pass through unchanged. */
export function decompressed(
  input: ReadableStream<Uint8Array>,
  compression: Compression,
  signal: AbortSignal,
  where: string,
): Decompressed {
  if (compression === "none") return { stream: input, close: () => Promise.resolve() };
  if (compression === "xz") return xzDecompressed(input, signal, where);
  const corrupt = (error: unknown) => {
    // Errors of the body are ImportErrors already; the rest is the decompressor's.
    if (signal.aborted || error instanceof ImportError) return error;
    return terminal(
      "InvalidImage",
      `${where}: the gzip body cannot be decompressed: ${messageOf(error)}`,
    );
  };
  const { stream, close } = gunzipped(input);
  return { stream: mapErrors(stream, corrupt), close };
}

/** Bytes per decompressed chunk. */
const GUNZIP_CHUNK = 256 * 1024;
/** Compressed bytes per write: at most ~4 MiB of output each, however well the body packs. */
const GUNZIP_WRITE = 4 * 1024;

/**
 * gzip through node:zlib, pulled chunk by chunk. (DecompressionStream emits one chunk per input
 * chunk, up to ~15 MB for 64 KiB of zeros, and refuses concatenated gzip members.)
 */
function gunzipped(input: ReadableStream<Uint8Array>): Decompressed {
  const inflater = createGunzip({ chunkSize: GUNZIP_CHUNK });
  const source = input.getReader();
  const feeding = (async () => {
    try {
      for (;;) {
        const { done, value } = await source.read();
        if (done) break;
        // Small writes: zlib inflates a whole write at once, and deflate packs up to ~1000:1.
        for (let at = 0; at < value.length; at += GUNZIP_WRITE) {
          if (!inflater.write(value.subarray(at, at + GUNZIP_WRITE))) {
            await once(inflater, "drain");
          }
        }
      }
      inflater.end();
    } catch (error) {
      inflater.destroy(error instanceof Error ? error : new Error(messageOf(error)));
    }
  })();
  const chunks = inflater[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const stop = async () => {
    inflater.destroy();
    await source.cancel().catch(() => {});
    await feeding;
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await chunks.next();
      if (done) return controller.close();
      controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    },
    cancel: stop,
  }, { highWaterMark: 0 });
  return { stream, close: stop };
}

function xzDecompressed(
  input: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  where: string,
): Decompressed {
  const child = new Deno.Command("xz", {
    args: ["--decompress", "--stdout", "--quiet", "--no-warn"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).spawn();
  let exited = false;
  const status = child.status.finally(() => (exited = true));
  const stderr = new Response(child.stderr).text().catch(() => "");
  const source = input.getReader();
  let inputError: { error: unknown } | undefined;

  // Feeds xz by hand, so that an error of the body is told apart from one of xz.
  const feeding = (async () => {
    const stdin = child.stdin.getWriter();
    try {
      for (;;) {
        const result = await source.read().catch((error) => {
          inputError = { error };
          throw error;
        });
        if (result.done) break;
        await stdin.write(result.value);
      }
      await stdin.close();
    } catch (error) {
      await stdin.abort(error).catch(() => {});
      await source.cancel(error).catch(() => {});
    }
  })();

  const output = child.stdout.getReader();
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited meanwhile.
      }
    }
    await source.cancel().catch(() => {});
    await output.cancel().catch(() => {});
    await feeding;
    await status;
    await stderr;
  };

  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const result = await output.read().catch(() => ({ done: true as const, value: undefined }));
      if (!result.done) return controller.enqueue(result.value);
      await feeding;
      const { success, code } = await status;
      const detail = (await stderr).trim().split("\n").slice(-3).join("; ");
      if (inputError) throw inputError.error;
      if (signal.aborted) throw signal.reason;
      if (!success) {
        throw terminal(
          "InvalidImage",
          `${where}: the xz body cannot be decompressed: ${
            detail || `xz exited with code ${code}`
          }`,
        );
      }
      controller.close();
    },
    async cancel(reason) {
      await output.cancel(reason).catch(() => {});
      await stop();
    },
  }, { highWaterMark: 0 });
  return { stream, close: stop };
}
