/**
 * `denovirt all`: the controllers, the webhooks and the agent in one Deno process (one runtime,
 * one set of loaded modules), each with its own flags and identity, as the local stack runs them.
 * When one role ends on its own, the process stops the others and exits with that role's code.
 */
import { messageOf } from "../lib/errors.ts";
import { logger } from "../lib/log.ts";
import { ALL_ROLES, type AllRole, roleSegments } from "./role_segments.ts";

const USAGE = `Usage: denovirt all <role> [flags] [-- <role> [flags]]...

Runs the given roles (${ALL_ROLES.join(", ")}) in one process; each segment takes the flags
of \`denovirt <role>\`. Example:
  denovirt all controllers --kubeconfig=c.yaml -- webhooks --kubeconfig=w.yaml --port=8443 ... -- agent ...`;

type RoleRun = (args: string[]) => Promise<number>;

const RUNS: Record<AllRole, () => Promise<RoleRun>> = {
  controllers: async () => (await import("../controllers/role.ts")).controllersRole,
  webhooks: async () => (await import("../webhooks/role.ts")).webhooksRole,
  agent: async () => (await import("../agent/role.ts")).agentRole,
};

/** Runs every role given until SIGTERM or SIGINT, or until one of them ends; the exit code. */
export async function allCommand(args: string[]): Promise<number> {
  if (args.length === 0 || args[0] === "--help" || args[0] === "-h") {
    console.log(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  let segments;
  try {
    segments = roleSegments(args);
  } catch (error) {
    console.error(`${messageOf(error)}\n\n${USAGE}`);
    return 2;
  }
  const log = logger({ component: "all" });
  const runs = await Promise.all(segments.map(async (s) => ({ ...s, run: await RUNS[s.role]() })));
  let firstEnded: { role: AllRole; code: number } | undefined;
  let stopping = false;
  const stopAll = () => (stopping = true);
  Deno.addSignalListener("SIGTERM", stopAll);
  Deno.addSignalListener("SIGINT", stopAll);
  const ended = runs.map(({ role, args, run }) =>
    run(args).catch((error) => {
      log.error("Role failed", { role, error: messageOf(error) });
      return 1;
    }).then((code) => {
      if (!stopping && !firstEnded) {
        firstEnded = { role, code: code === 0 ? 1 : code };
        log.error("Role ended on its own: stopping the others", { role, code });
        // Every role stops on SIGTERM, as when the process is told to stop.
        Deno.kill(Deno.pid, "SIGTERM");
      }
      return code;
    })
  );
  const codes = await Promise.all(ended);
  Deno.removeSignalListener("SIGTERM", stopAll);
  Deno.removeSignalListener("SIGINT", stopAll);
  return firstEnded?.code ?? codes.find((code) => code !== 0) ?? 0;
}
