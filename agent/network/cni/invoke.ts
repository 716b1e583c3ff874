/** Running one CNI plugin executable: found in the bin dirs, config on stdin, CNI_* in env. */
import { join } from "node:path";
import { CniError, type CniErrorContext } from "./errors.ts";

/** The first executable file named `type` in `binDirs`, in order; undefined when none. */
export async function findPlugin(type: string, binDirs: string[]): Promise<string | undefined> {
  for (const dir of binDirs) {
    const candidate = join(dir, type);
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return candidate;
    } catch {
      // Not in this dir.
    }
  }
  return undefined;
}

/** One plugin call: what to run and with which parameters. */
export interface PluginCall {
  context: CniErrorContext;
  binDirs: string[];
  /** The CNI_* parameters; the agent's own environment (PATH for iptables, ...) is kept. */
  env: Record<string, string>;
  /** The request configuration, JSON. */
  stdin: string;
  signal?: AbortSignal;
}

/** Runs the plugin and answers its stdout; throws a CniError carrying its error result. */
export async function invokePlugin(call: PluginCall): Promise<string> {
  const { context, binDirs } = call;
  const path = await findPlugin(context.plugin, binDirs);
  if (path === undefined) {
    throw new CniError(
      context,
      undefined,
      `no plugin executable ${context.plugin} in ${binDirs.join(", ") || "no bin dir"}`,
    );
  }
  let output: Deno.CommandOutput;
  try {
    const child = new Deno.Command(path, {
      env: call.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      signal: call.signal,
    }).spawn();
    const writer = child.stdin.getWriter();
    // A plugin may exit without reading its config; its exit status tells what happened.
    await writer.write(new TextEncoder().encode(call.stdin)).catch(() => {});
    await writer.close().catch(() => {});
    output = await child.output();
  } catch (error) {
    throw new CniError(context, undefined, `cannot run ${path}: ${(error as Error).message}`);
  }
  const decoder = new TextDecoder();
  const stdout = decoder.decode(output.stdout);
  if (output.success) return stdout;
  throw errorOf(context, stdout, decoder.decode(output.stderr), output);
}

/** The plugin's error result on stdout, else the tail of what it said, else how it ended. */
function errorOf(
  context: CniErrorContext,
  stdout: string,
  stderr: string,
  output: Deno.CommandOutput,
): CniError {
  const result = errorResultOf(stdout);
  if (result) return new CniError(context, result.code, result.msg, result.details);
  const said = (stderr.trim() || stdout.trim()).split("\n").slice(-5).join(" ").trim();
  const ended = output.signal ? `killed by ${output.signal}` : `exit status ${output.code}`;
  return new CniError(context, undefined, said ? `${said} (${ended})` : ended);
}

function errorResultOf(stdout: string): { code: number; msg: string; details: string } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null) return undefined;
  const { code, msg, details } = json as Record<string, unknown>;
  if (typeof code !== "number" || (typeof msg !== "string" && typeof details !== "string")) {
    return undefined;
  }
  return {
    code,
    msg: typeof msg === "string" && msg ? msg : "no message",
    details: typeof details === "string" ? details : "",
  };
}
