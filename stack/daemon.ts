/** Long-running components of the local stack: started detached, tracked by pid file, logged to a file. */
import { join } from "node:path";
import type { StackPaths } from "./paths.ts";

export interface DaemonSpec {
  /** Component name: names the pid file `run/<name>.pid` and the log `log/<name>.log`. */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** Path of a component's pid file. */
export function pidFile(paths: StackPaths, name: string): string {
  return join(paths.run, `${name}.pid`);
}

/** Path of a component's log file. */
export function logFile(paths: StackPaths, name: string): string {
  return join(paths.log, `${name}.log`);
}

/** The pid recorded for a component, if its process is alive. */
export async function runningPid(paths: StackPaths, name: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(pidFile(paths, name));
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return processAlive(pid) ? pid : undefined;
}

/** Whether a process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The state letter follows the parenthesised command name, which may itself contain spaces.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/**
 * Start a component in its own session so it outlives the caller; its output goes to its log.
 * The pid file names the component's own process: the shell `exec`s into it.
 */
export async function startDaemon(paths: StackPaths, spec: DaemonSpec): Promise<number> {
  await Deno.mkdir(paths.run, { recursive: true });
  await Deno.mkdir(paths.log, { recursive: true });
  const log = logFile(paths, spec.name);
  await Deno.writeTextFile(log, `--- ${new Date().toISOString()} starting ${spec.name}\n`, {
    append: true,
  });
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      'exec "$@" >>"$DENOVIRT_DAEMON_LOG" 2>&1 </dev/null',
      spec.name,
      spec.command,
      ...spec.args,
    ],
    env: { ...spec.env, DENOVIRT_DAEMON_LOG: log },
    cwd: spec.cwd,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  child.unref();
  // Reap the child if it dies while we still run, so it never lingers as a zombie.
  child.status.catch(() => {});
  await Deno.writeTextFile(pidFile(paths, spec.name), `${child.pid}\n`);
  return child.pid;
}

/** Stop a component: SIGTERM, then SIGKILL after `graceMs`; removes its pid file. */
export async function stopDaemon(
  paths: StackPaths,
  name: string,
  graceMs = 10_000,
): Promise<boolean> {
  const pid = await runningPid(paths, name);
  if (pid !== undefined) await terminate(pid, graceMs);
  await Deno.remove(pidFile(paths, name)).catch(() => {});
  return pid !== undefined;
}

/** SIGTERM a process, wait for it to go, SIGKILL it if it does not within `graceMs`. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  signal(pid, "SIGTERM");
  if (await waitGone(pid, graceMs)) return;
  signal(pid, "SIGKILL");
  await waitGone(pid, 5_000);
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Wait until a process has exited; false if it is still there after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
