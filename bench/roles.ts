/**
 * The roles the bench needs besides what the stack starts. Until controllers and agent join the
 * stack (`stack/roles.ts`), `--start-roles` starts them the way the stack will, and the report says so.
 */
import { logFile, runningPid, startDaemon } from "../stack/daemon.ts";
import { rolePid } from "../stack/layout.ts";
import type { RoleName } from "../stack/identities.ts";
import { pkiFiles } from "../stack/pki.ts";
import { answersOk, httpsClient, waitUntil } from "../stack/readiness.ts";
import { roleEntry, ROLES_READY_FOR_THE_STACK, roleSpec } from "../stack/roles.ts";
import type { RunningStack } from "../stack/up.ts";

/** Roles the bench's parts cannot do without. */
export const BENCH_ROLES: RoleName[] = ["webhooks", "controllers", "agent"];

/** Roles the bench needs that the stack does not start. */
export function rolesMissingFromStack(ready: RoleName[] = ROLES_READY_FOR_THE_STACK): RoleName[] {
  return BENCH_ROLES.filter((role) => !ready.includes(role));
}

/**
 * Makes sure every role the bench needs runs; starts the missing ones when `start`, else throws
 * naming them. Answers the roles the bench started itself.
 */
export async function ensureBenchRoles(
  stack: RunningStack,
  start: boolean,
  say: (line: string) => void,
): Promise<RoleName[]> {
  const missing: RoleName[] = [];
  for (const role of BENCH_ROLES) {
    if ((await rolePid(stack.paths, role)) === undefined) missing.push(role);
  }
  if (missing.length === 0) return [];
  if (!start) {
    throw new Error(
      `The stack does not run ${missing.join(", ")} (stack/roles.ts): rerun with --start-roles ` +
        `to start them for the bench`,
    );
  }
  const client = await httpsClient({ caFile: pkiFiles(stack.paths.pki).caCert });
  try {
    for (const role of missing) {
      const libvirt = { uri: stack.libvirtUri, kvm: stack.kvm };
      const spec = roleSpec(stack.paths, stack.ports, role, libvirt, stack.podNetwork);
      await startDaemon(stack.paths, { ...spec, args: entryArgs(role, spec.args) });
      say(`Started ${role} for the bench (not yet started by the stack)`);
      await waitUntil(() => answersOk(readyUrl(stack, role), client), {
        what: role,
        timeoutMs: 90_000,
        logFile: logFile(stack.paths, role),
        stillAlive: async () => (await runningPid(stack.paths, role)) !== undefined,
      });
    }
  } finally {
    client.close();
  }
  return missing;
}

/**
 * `main.ts agent` exists only once the agent joins the CLI; until then the agent runs from
 * `agent/main.ts`, which takes the same flags.
 */
function entryArgs(role: RoleName, args: string[]): string[] {
  if (role !== "agent" || Deno.env.get("DENOVIRT_ENTRY")) return args;
  const at = args.indexOf(roleEntry());
  if (at < 0 || args[at + 1] !== "agent") return args;
  const agentMain = new URL("../agent/main.ts", import.meta.url).pathname;
  return [...args.slice(0, at), agentMain, ...args.slice(at + 2)];
}

function readyUrl(stack: RunningStack, role: RoleName): string {
  const { ports } = stack;
  const port = role === "controllers"
    ? ports.controllersHealth
    : role === "webhooks"
    ? ports.webhooks
    : ports.agent;
  return `https://127.0.0.1:${port}/readyz`;
}
