/** `denovirt stop NAME`: virtctl stop, through the subresource API. */
import {
  KUBE_FLAGS_USAGE,
  oneName,
  parseKubeArgs,
  putSubresource,
  runVerb,
  UsageError,
} from "./kube_command.ts";

const USAGE = `Usage: denovirt stop NAME [--force [--grace-period=SECONDS]] [--dry-run] [flags]

Stop a VirtualMachine (PUT .../virtualmachines/NAME/stop).

  --force                 stop at once: power off after the grace period (default 0)
  --grace-period=SECONDS  with --force, how long the guest may take to shut down
  --dry-run               only check that the VM could be stopped
${KUBE_FLAGS_USAGE}`;

/** Stop one VM. */
export function stopCommand(args: string[]): Promise<number> {
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
      subresource: "stop",
      body: {
        ...(grace !== undefined ? { gracePeriod: grace } : {}),
        ...(cli.values["dry-run"] ? { dryRun: ["All"] } : {}),
      },
      done: `VM ${name} was scheduled to stop`,
      failed: `Error stopping VirtualMachine ${name}`,
    });
  });
}

/** The grace period to send: as virtctl, only with --force (0 when not given). */
export function gracePeriodOf(
  value: string | boolean | undefined,
  force: boolean,
): number | undefined {
  if (value !== undefined && !force) throw new UsageError("--grace-period needs --force");
  if (!force) return undefined;
  if (value === undefined) return 0;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new UsageError(`--grace-period must be a whole number of seconds, got "${value}"`);
  }
  return seconds;
}
