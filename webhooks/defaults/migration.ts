// Defaults of a new VirtualMachineInstanceMigration, as KubeVirt's migration mutator sets them:
// the label that finds the migrations of a VMI (`virtctl migrate-cancel` lists by it) and the
// finalizer the controllers hold until the migration is over.
import {
  MIGRATION_FINALIZER,
  MIGRATION_VMI_LABEL,
  type VirtualMachineInstanceMigration,
} from "../../api/mod.ts";

/** Adds the VMI label and the migration finalizer to `migration` (edited in place). */
export function defaultMigration(migration: VirtualMachineInstanceMigration): void {
  const metadata = migration.metadata;
  metadata.labels = { ...metadata.labels, [MIGRATION_VMI_LABEL]: migration.spec.vmiName };
  const finalizers = metadata.finalizers ?? [];
  if (!finalizers.includes(MIGRATION_FINALIZER)) {
    metadata.finalizers = [...finalizers, MIGRATION_FINALIZER];
  }
}
