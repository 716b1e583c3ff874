/** The image inside a compressed body: gzip in-process, xz through an `xz -dc` subprocess. */
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
      `${where}: the gzip body cannot be decompressed: ${gzipDetail(error)}`,
    );
  };
  const stream = mapErrors(input.pipeThrough(gunzip()), corrupt);
  return { stream, close: () => Promise.resolve() };
}

// DecompressionStream takes any BufferSource: Uint8Arrays are among them.
const gunzip = () =>
  new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;

function gzipDetail(error: unknown): string {
  const message = messageOf(error);
  // Deno's DecompressionStream words both cases this way.
  return /failed to write whole buffer/.test(message)
    ? "data after the end of the gzip stream (several concatenated gzip members are not supported)"
    : message;
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
