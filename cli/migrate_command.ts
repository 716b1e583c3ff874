/** `denovirt migrate NAME`: virtctl migrate, a live migration of a running VM to another node. */
import {
  KUBE_FLAGS_USAGE,
  oneName,
  parseKubeArgs,
  putSubresource,
  runVerb,
  UsageError,
} from "./kube_command.ts";

const USAGE = `Usage: denovirt migrate NAME [--dry-run] [--addedNodeSelector=key=value,...] [flags]

Live-migrate a running VirtualMachine to another node (PUT .../virtualmachines/NAME/migrate):
the server creates a VirtualMachineInstanceMigration kubevirt-migrate-vm-*; follow it with
kubectl get vmim. Cancel it with denovirt migrate-cancel NAME.

  --dry-run                        only check that the VM could be migrated
  --addedNodeSelector=k=v,k2=v2    the target node must also have these labels
${KUBE_FLAGS_USAGE}`;

/** `key=value,key2=value2` as a map; throws UsageError for a pair without `=`. */
export function nodeSelectorOf(value: string): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const pair of value.split(",").map((p) => p.trim()).filter((p) => p)) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--addedNodeSelector takes key=value pairs, got "${pair}"`);
    selector[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return selector;
}

/** Migrate one VM. */
export function migrateCommand(args: string[]): Promise<number> {
  return runVerb(USAGE, async () => {
    const cli = parseKubeArgs(args, {
      "dry-run": { type: "boolean" },
      addedNodeSelector: { type: "string" },
    });
    if (cli.help) return (console.log(USAGE), 0);
    const name = oneName(cli.positionals, "VirtualMachine");
    const selector = cli.values.addedNodeSelector;
    return await putSubresource({
      kubeconfig: cli.kubeconfig(),
      namespace: cli.namespace(),
      resource: "virtualmachines",
      name,
      subresource: "migrate",
      body: {
        ...(cli.values["dry-run"] ? { dryRun: ["All"] } : {}),
        ...(typeof selector === "string" ? { addedNodeSelector: nodeSelectorOf(selector) } : {}),
      },
      done: `VM ${name} was scheduled to migrate`,
      failed: `Error migrating VirtualMachine ${name}`,
    });
  });
}
