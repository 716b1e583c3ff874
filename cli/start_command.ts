/** `denovirt start NAME`: virtctl start, through the subresource API. */
import {
  KUBE_FLAGS_USAGE,
  oneName,
  parseKubeArgs,
  putSubresource,
  runVerb,
} from "./kube_command.ts";

const USAGE = `Usage: denovirt start NAME [--paused] [--dry-run] [flags]

Start a VirtualMachine (PUT .../virtualmachines/NAME/start).

  --paused    start the VM paused
  --dry-run   only check that the VM could be started
${KUBE_FLAGS_USAGE}`;

/** Start one VM. */
export function startCommand(args: string[]): Promise<number> {
  return runVerb(USAGE, async () => {
    const cli = parseKubeArgs(args, {
      paused: { type: "boolean" },
      "dry-run": { type: "boolean" },
    });
    if (cli.help) return (console.log(USAGE), 0);
    const name = oneName(cli.positionals, "VirtualMachine");
    return await putSubresource({
      kubeconfig: cli.kubeconfig(),
      namespace: cli.namespace(),
      resource: "virtualmachines",
      name,
      subresource: "start",
      body: {
        paused: cli.values.paused === true,
        ...(cli.values["dry-run"] ? { dryRun: ["All"] } : {}),
      },
      done: `VM ${name} was scheduled to start`,
      failed: `Error starting VirtualMachine ${name}`,
    });
  });
}
