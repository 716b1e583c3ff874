/** `denovirt restart NAME`: virtctl restart, through the subresource API. */
import {
  KUBE_FLAGS_USAGE,
  oneName,
  parseKubeArgs,
  putSubresource,
  runVerb,
} from "./kube_command.ts";
import { gracePeriodOf } from "./stop_command.ts";

const USAGE = `Usage: denovirt restart NAME [--force --grace-period=0] [--dry-run] [flags]

Restart a VirtualMachine: its VMI stops and a new one starts (PUT .../virtualmachines/NAME/restart).

  --force           restart at once (only --grace-period=0 is supported, as in KubeVirt)
  --grace-period=0  with --force
  --dry-run         only check that the VM could be restarted
${KUBE_FLAGS_USAGE}`;

/** Restart one VM. */
export function restartCommand(args: string[]): Promise<number> {
  return runVerb(USAGE, async () => {
    const cli = parseKubeArgs(args, {
      force: { type: "boolean" },
      "grace-period": { type: "string" },
      "dry-run": { type: "boolean" },
    });
    if (cli.help) return (console.log(USAGE), 0);
    const name = oneName(cli.positionals, "VirtualMachine");
    const grace = gracePeriodOf(cli.values["grace-period"], cli.values.force === true);
    return await putSubresource({
      kubeconfig: cli.kubeconfig(),
      namespace: cli.namespace(),
      resource: "virtualmachines",
      name,
      subresource: "restart",
      body: {
        ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
        ...(cli.values["dry-run"] ? { dryRun: ["All"] } : {}),
      },
      done: `VM ${name} was scheduled to restart`,
      failed: `Error restarting VirtualMachine ${name}`,
    });
  });
}
