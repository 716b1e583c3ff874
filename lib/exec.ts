/** Run a command to completion and capture its output (shared by the stack, the agent and the bench). */

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command; never throws for a non-zero exit. */
export async function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<CommandResult> {
  const child = new Deno.Command(command, {
    args,
    env: options.env,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Run a command; throw an error carrying its stderr when it fails. */
export async function runChecked(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const detail = (result.stderr || result.stdout).trim().split("\n").slice(-10).join("\n");
    throw new Error(`Command failed: ${command} ${args.join(" ")}: exit ${result.code}: ${detail}`);
  }
  return result.stdout;
}
