/**
 * The agent's imports and image pulls, each in a short-lived child process (child.ts): the
 * import engine and the OCI code never load into the agent, and the memory a job takes leaves
 * with its process. Where the agent may not run its own executable (no `--allow-run` for it),
 * the jobs run in the agent's process, as before, and the log says so once.
 */
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import type { Fetched } from "../images/pull_fetch.ts";
import { type ImageFetcher, inProcessFetcher } from "../images/pull_run.ts";
import type { ImportRequest, ImportResult } from "../import/types.ts";
import type { ImportRunner } from "../storage/imports.ts";
import { childArgvOf, ownArgv } from "./command_line.ts";
import { runInChild } from "./spawn.ts";

/** How the agent starts its children: the command line, or undefined to run jobs in process. */
export type ChildCommand = () => Promise<string[] | undefined>;

/** Imports run in children; in this process when `command` answers none. */
export function childImportRunner(command: ChildCommand, log: Logger): ImportRunner {
  return async (request: ImportRequest): Promise<ImportResult> => {
    const argv = await command();
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
    const argv = await command();
    if (!argv) return inProcess(request, onPulling);
    return await runInChild({ job: "pull", pull: request }, {
      argv,
      log,
      onLine: (line) => "pulling" in line && onPulling(line.pulling),
    }) as Fetched;
  };
}

/**
 * The agent's child command line, worked out once: its own executable when it may run it, else
 * a `deno` on PATH that is the same file (a permission set can name `deno`, not a path only
 * known at run time); undefined, with a warning, when neither is allowed.
 */
export function childCommandOf(log: Logger): ChildCommand {
  let answer: Promise<string[] | undefined> | undefined;
  return () =>
    answer ??= (async () => {
      const argv = childArgvOf(await ownArgv(), Deno.mainModule, Deno.cwd(), Deno.execPath());
      const executable = await runnableSelf();
      if (argv && executable) return [executable, ...argv.slice(1)];
      log.warn("Imports and image pulls run in the agent's process", {
        why: argv
          ? `--allow-run does not name ${Deno.execPath()} (or "deno" on PATH)`
          : "the agent's entry module is not on its command line",
      });
      return undefined;
    })();
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
