/**
 * The `migrate` subresource of VMs, as virt-api's: a running VM's VMI gets a
 * VirtualMachineInstanceMigration (generateName `kubevirt-migrate-vm-`), which the webhooks
 * admit and the controllers carry out. Pure parts; the app sends the create.
 */
import { MIGRATE_GENERATE_NAME, type VirtualMachineInstanceMigration } from "../api/mod.ts";
import { badRequest, conflict } from "../lib/http/status.ts";
import type { VmiLike } from "./lifecycle.ts";
import { isDryRun, optionsBodyOf } from "./options_body.ts";

/** KubeVirt's MigrateOptions: a dry run, and a node selector the target must also match. */
export interface MigrateOptions {
  dryRun: boolean;
  addedNodeSelector?: Record<string, string>;
}

/** The options in a request body (empty: none); throws 400 for a body that is not them. */
export function migrateOptionsOf(body: string): MigrateOptions {
  const raw = optionsBodyOf(body);
  const dryRun = isDryRun(raw);
  const selector = raw.addedNodeSelector;
  if (selector === undefined || selector === null) return { dryRun };
  const valid = typeof selector === "object" && !Array.isArray(selector) &&
    Object.values(selector).every((v) => typeof v === "string");
  if (!valid) throw badRequest("addedNodeSelector must map label names to strings");
  return { dryRun, addedNodeSelector: selector as Record<string, string> };
}

/** The migration of the VM `name`'s VMI; throws 409 unless the VMI runs. */
export function migrationFor(
  namespace: string,
  name: string,
  vmi: VmiLike,
  opts: MigrateOptions,
): VirtualMachineInstanceMigration {
  if (vmi.status?.phase !== "Running") throw conflict("virtualmachine", name, "VM is not running");
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceMigration",
    metadata: { generateName: MIGRATE_GENERATE_NAME, namespace },
    spec: {
      vmiName: name,
      ...(opts.addedNodeSelector ? { addedNodeSelector: opts.addedNodeSelector } : {}),
    },
  };
}
