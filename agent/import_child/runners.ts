/**
 * The agent's imports and image pulls, each in a short-lived child process (child.ts): the
 * import engine and the OCI code never load into the agent, and the memory a job takes leaves
 * with its process. Where the agent may not start one (no `--allow-run` of its own executable),
 * the jobs run in the agent's process, as before, and the log says so once.
 */
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import type { Fetched } from "../images/pull_fetch.ts";
import { type ImageFetcher, inProcessFetcher } from "../images/pull_run.ts";
import type { ImportRequest, ImportResult } from "../import/types.ts";
import type { ImportRunner } from "../storage/imports.ts";
import { type AgentGrants, CHILD_TOOLS, childArgvOf } from "./command_line.ts";
import { runInChild } from "./spawn.ts";

/** The command line of a child writing `dir`, or undefined to run the job in this process. */
export type ChildCommand = (dir: string) => Promise<string[] | undefined>;

/** Imports run in children; in this process when `command` answers none. */
export function childImportRunner(command: ChildCommand, log: Logger): ImportRunner {
  return async (request: ImportRequest): Promise<ImportResult> => {
    const argv = await command(request.targetDir);
    if (!argv) return (await import("../import/engine.ts")).runImport(request);
    const { signal, onProgress, source, targetDir, capacityBytes, idleTimeoutMs } = request;
    const job = { source, targetDir, capacityBytes, ...(idleTimeoutMs ? { idleTimeoutMs } : {}) };
    return await runInChild({ job: "import", import: job }, {
      argv,
      log: log.with({ part: "import" }),
      signal,
      onLine: (line) => "progress" in line && onProgress?.(line.progress),
    }) as ImportResult;
  };
}

/** Image fetches run in children; in this process when `command` answers none. */
export function childImageFetcher(command: ChildCommand, log: Logger): ImageFetcher {
  const inProcess = inProcessFetcher(log);
  return async (request, onPulling): Promise<Fetched> => {
    const argv = await command(request.scratchDir);
    if (!argv) return inProcess(request, onPulling);
    return await runInChild({ job: "pull", pull: request }, {
      argv,
      log,
      onLine: (line) => "pulling" in line && onPulling(line.pulling),
    }) as Fetched;
  };
}

/**
 * The agent's child command line for a job writing `dir` (childArgvOf), or undefined, with a
 * warning the first time, when the agent may not start one: the job then runs in the agent.
 */
export function childCommandOf(log: Logger): ChildCommand {
  let warned = false;
  let self: Promise<string | undefined> | undefined;
  return async (dir) => {
    const executable = await (self ??= runnableSelf());
    const argv = executable
      ? childArgvOf(executable, Deno.mainModule, await isCompiled(), dir, await grantsFor(dir))
      : undefined;
    if (!argv && !warned) {
      warned = true;
      log.warn("Imports and image pulls run in the agent's process", {
        why: executable
          ? "the agent lacks --allow-read, --allow-net, --allow-env or --allow-write of the job"
          : `--allow-run names neither ${Deno.execPath()} nor "deno" on PATH`,
      });
    }
    return argv;
  };
}

/** What the agent holds of what a job writing `dir` needs. */
async function grantsFor(dir: string): Promise<AgentGrants> {
  const granted = async (descriptor: Deno.PermissionDescriptor) =>
    (await Deno.permissions.query(descriptor)).state === "granted";
  const tools: string[] = [];
  for (const command of CHILD_TOOLS) {
    if (await granted({ name: "run", command })) tools.push(command);
  }
  return {
    read: await granted({ name: "read" }),
    net: await granted({ name: "net" }),
    env: await granted({ name: "env" }),
    write: await granted({ name: "write", path: dir }),
    tools,
  };
}

/** Whether the main module is built into the executable (`deno compile`), not a file on disk. */
async function isCompiled(): Promise<boolean> {
  if (!Deno.mainModule.startsWith("file:")) return false;
  return !(await Deno.stat(new URL(Deno.mainModule)).then(() => true, () => false));
}

/** How this process may run its own executable: by its path, or as `deno` on PATH. */
async function runnableSelf(): Promise<string | undefined> {
  const self = Deno.execPath();
  if ((await Deno.permissions.query({ name: "run", command: self })).state === "granted") {
    return self;
  }
  if ((await Deno.permissions.query({ name: "run", command: "deno" })).state !== "granted") {
    return undefined;
  }
  const real = await Deno.realPath(self).catch(() => self);
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter((d) => d)) {
    const found = await Deno.realPath(join(dir, "deno")).catch(() => undefined);
    if (found) return found === real ? "deno" : undefined;
  }
  return undefined;
}
