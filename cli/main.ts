/** The `denovirt` command: one entry point, a subcommand per role and per user action. */
import { messageOf } from "../lib/errors.ts";

type CommandRun = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; run: () => Promise<CommandRun> }> = {
  up: {
    summary: "bring up the local stack and the demo VM",
    run: async () => (await import("./up_command.ts")).upCommand,
  },
  down: {
    summary: "stop the local stack (--purge: and remove its home)",
    run: async () => (await import("./down_command.ts")).downCommand,
  },
  controllers: {
    summary: "run the VM and VMI controllers (a role)",
    run: async () => (await import("../controllers/role.ts")).controllersRole,
  },
  webhooks: {
    summary: "run the admission webhooks and the subresource API",
    run: async () => (await import("../webhooks/role.ts")).webhooksRole,
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
