/** The `denovirt` command: one entry point, a subcommand per role and per user action. */
import { messageOf } from "../lib/errors.ts";

type CommandRun = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; run: () => Promise<CommandRun> }> = {
  up: {
    summary:
      "bring up the local stack and the demo VM (--nodes N: N nodes; --kubelet-nodes N: N more run by a kubelet; --for-cluster-install: no roles of its own but the kubelet-less nodes' agents)",
    run: async () => (await import("./up_command.ts")).upCommand,
  },
  down: {
    summary: "stop the local stack (--purge: and remove its home)",
    run: async () => (await import("./down_command.ts")).downCommand,
  },
  node: {
    summary: "the local stack's nodes: node list, node kill NAME (as a power failure)",
    run: async () => (await import("./node_command.ts")).nodeCommand,
  },
  controllers: {
    summary: "run the VM and VMI controllers (a role)",
    run: async () => (await import("../controllers/role.ts")).controllersRole,
  },
  start: {
    summary: "start a VirtualMachine (virtctl start)",
    run: async () => (await import("./start_command.ts")).startCommand,
  },
  stop: {
    summary: "stop a VirtualMachine (--grace-period, --force)",
    run: async () => (await import("./stop_command.ts")).stopCommand,
  },
  restart: {
    summary: "restart a VirtualMachine",
    run: async () => (await import("./restart_command.ts")).restartCommand,
  },
  pause: {
    summary: "pause a VM or VMI: pause vm|vmi NAME",
    run: async () => (await import("./pause_command.ts")).pauseCommand,
  },
  unpause: {
    summary: "unpause a VM or VMI: unpause vm|vmi NAME",
    run: async () => (await import("./pause_command.ts")).unpauseCommand,
  },
  console: {
    summary: "attach to a VMI's serial console (Ctrl+] leaves)",
    run: async () => (await import("./console_command.ts")).consoleCommand,
  },
  migrate: {
    summary: "live-migrate a running VM to another node: migrate NAME",
    run: async () => (await import("./migrate_command.ts")).migrateCommand,
  },
  "migrate-cancel": {
    summary: "cancel a VM's live migration in flight: migrate-cancel NAME",
    run: async () => (await import("./migrate_cancel_command.ts")).migrateCancelCommand,
  },
  all: {
    summary:
      "run several roles in one process: all controllers [flags] -- webhooks ... -- agent ...",
    run: async () => (await import("./all_command.ts")).allCommand,
  },
  agent: {
    summary: "run the node agent (libvirt domains for this node's VMIs)",
    run: async () => (await import("../agent/role.ts")).agentRole,
  },
  webhooks: {
    summary: "run the admission webhooks and the subresource API",
    run: async () => (await import("../webhooks/role.ts")).webhooksRole,
  },
  "agent-import": {
    summary: "(internal) one disk import or image pull of the agent, in its own process",
    run: async () => (await import("../agent/import_child/child.ts")).importChildCommand,
  },
  version: {
    summary: "print the version",
    run: async () => (await import("./version_command.ts")).versionCommand,
  },
};

/** Run the command line; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`Unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.run())(rest);
  } catch (error) {
    console.error(`Error: ${messageOf(error)}`);
    return 1;
  }
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`);
  return ["Usage: denovirt <command> [flags]", "", "Commands:", ...lines].join("\n");
}
