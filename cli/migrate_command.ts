/** `denovirt migrate NAME`: virtctl migrate; the server answers 501 until live migration exists. */
import {
  KUBE_FLAGS_USAGE,
  oneName,
  parseKubeArgs,
  putSubresource,
  runVerb,
} from "./kube_command.ts";

const USAGE = `Usage: denovirt migrate NAME [--dry-run] [flags]

Live-migrate a VirtualMachine to another node (PUT .../virtualmachines/NAME/migrate).
Not implemented by denovirt yet: the server explains so.

  --dry-run   only check that the VM could be migrated
${KUBE_FLAGS_USAGE}`;

/** Migrate one VM. */
export function migrateCommand(args: string[]): Promise<number> {
  return runVerb(USAGE, async () => {
    const cli = parseKubeArgs(args, { "dry-run": { type: "boolean" } });
    if (cli.help) return (console.log(USAGE), 0);
    const name = oneName(cli.positionals, "VirtualMachine");
    return await putSubresource({
      kubeconfig: cli.kubeconfig(),
      namespace: cli.namespace(),
      resource: "virtualmachines",
      name,
      subresource: "migrate",
      body: cli.values["dry-run"] ? { dryRun: ["All"] } : {},
      done: `VM ${name} was scheduled to migrate`,
      failed: `Error migrating VirtualMachine ${name}`,
    });
  });
}
