/**
 * qemu-img, always told the format (`-f`): letting it probe would let a raw image that starts
 * like a qcow2 header name files on the node. Runs stop when the signal aborts.
 */

/** What `qemu-img info --output=json` reports and the import reads. */
export interface QemuImgInfo {
  "virtual-size": number;
  format?: string;
  encrypted?: boolean;
  "backing-filename"?: string;
  "full-backing-filename"?: string;
  "format-specific"?: { type?: string; data?: Record<string, unknown> };
}

/** qemu-img exited non-zero; `stderr` is its last lines. */
export class QemuImgError extends Error {
  override name = "QemuImgError";
  constructor(readonly subcommand: string, readonly stderr: string) {
    super(`qemu-img ${subcommand} failed: ${stderr}`);
  }
}

// CDI's limits for `qemu-img info` on untrusted images: 1 GiB of address space, 30 s of CPU.
const INFO_LIMITS = 'ulimit -v 1048576 && ulimit -t 30 && exec qemu-img "$@"';

/** `qemu-img info -f <format> --output=json`, under memory and CPU limits. */
export async function qemuImgInfo(
  path: string,
  format: "qcow2" | "raw",
  signal: AbortSignal,
): Promise<QemuImgInfo> {
  const args = ["info", "-f", format, "--output=json", path];
  const stdout = await qemuImg("sh", ["-c", INFO_LIMITS, "qemu-img", ...args], "info", signal);
  const info = JSON.parse(stdout) as QemuImgInfo;
  if (typeof info["virtual-size"] !== "number") {
    throw new QemuImgError("info", "no virtual-size in its output");
  }
  return info;
}

/**
 * `qemu-img convert` to a new sparse raw file. The target is written with `-t none` (no page
 * cache for an image nobody reads yet) where the filesystem allows O_DIRECT, else `writeback`.
 */
export async function qemuImgConvert(
  source: string,
  format: "qcow2" | "raw",
  target: string,
  signal: AbortSignal,
): Promise<void> {
  const convert = (cache: string) => [
    "convert",
    "-q",
    "-f",
    format,
    "-O",
    "raw",
    "-t",
    cache,
    source,
    target,
  ];
  try {
    await qemuImg("qemu-img", convert("none"), "convert", signal);
  } catch (error) {
    if (!(error instanceof QemuImgError) || !/O_DIRECT|Invalid argument/i.test(error.stderr)) {
      throw error;
    }
    await Deno.remove(target).catch(() => {});
    await qemuImg("qemu-img", convert("writeback"), "convert", signal);
  }
}

async function qemuImg(
  command: string,
  args: string[],
  subcommand: string,
  signal: AbortSignal,
): Promise<string> {
  const output = await new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).output();
  signal.throwIfAborted();
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-5).join("; ");
    throw new QemuImgError(subcommand, stderr || `exit code ${output.code}`);
  }
  return new TextDecoder().decode(output.stdout);
}
