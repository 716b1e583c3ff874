/**
 * `denovirt migrate-cancel NAME`: virtctl migrate-cancel. Deletes the VM's migration that is not
 * over (found by its `kubevirt.io/vmi-name` label); the controllers then abort it.
 */
import { isMigrationFinal, MIGRATION_VMI_LABEL, type VMIM } from "../api/mod.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { virtualMachineInstanceMigrations } from "../lib/kube/resources.ts";
import {
  KUBE_FLAGS_USAGE,
  oneName,
  parseKubeArgs,
  runVerb,
  serverMessage,
} from "./kube_command.ts";

const USAGE = `Usage: denovirt migrate-cancel NAME [--dry-run] [flags]

Cancel the live migration of a VirtualMachine in flight: deletes its
VirtualMachineInstanceMigration, which then ends Failed and the VM stays where it was.

  --dry-run   only check that there is a migration to cancel
${KUBE_FLAGS_USAGE}`;

/** Cancel the migration of one VM. */
export function migrateCancelCommand(args: string[]): Promise<number> {
  return runVerb(USAGE, async () => {
    const cli = parseKubeArgs(args, { "dry-run": { type: "boolean" } });
    if (cli.help) return (console.log(USAGE), 0);
    const name = oneName(cli.positionals, "VirtualMachine");
    const namespace = cli.namespace();
    const kube = RestClient.fromKubeConfig(cli.kubeconfig());
    try {
      const list = await kube.list<VMIM>(virtualMachineInstanceMigrations, {
        namespace,
        labelSelector: `${MIGRATION_VMI_LABEL}==${name}`,
      }).catch((error) => {
        throw new Error(
          `Error fetching virtual machine instance migration list  ${serverMessage(error)}`,
        );
      });
      const active = list.items.find((m) => !isMigrationFinal(m.status?.phase));
      if (!active) {
        console.error(`Found no migration to cancel for ${name}`);
        return 1;
      }
      const migration = active.metadata.name ?? "";
      try {
        await kube.delete(virtualMachineInstanceMigrations, { namespace, name: migration }, {
          ...(cli.values["dry-run"] ? { dryRun: ["All"] } : {}),
        });
      } catch (error) {
        console.error(
          `Error canceling migration ${migration} of a VirtualMachine ${name}: ${
            serverMessage(error)
          }`,
        );
        return 1;
      }
      console.log(`VM ${name} was scheduled to migrate-cancel`);
      return 0;
    } finally {
      kube.close();
    }
  });
}
