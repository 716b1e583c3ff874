// The KubeVirt-compatible API: zod schemas, TypeScript types, constants and validation helpers
// for kubevirt.io/v1 and cdi.kubevirt.io/v1beta1.
export * from "./meta.ts";
export * from "./quantity.ts";
export * from "./core.ts";
export * from "./devices.ts";
export * from "./domain.ts";
export * from "./volumes.ts";
export * from "./vmi_spec.ts";
export * from "./virtual_machine_instance.ts";
export * from "./virtual_machine.ts";
export * from "./migration.ts";
export * from "./replica_set.ts";
export * from "./data_volume.ts";
export * from "./errors.ts";
export * from "./kinds.ts";
export * from "./storage_annotations.ts";
export * from "./contract.ts";
export * from "./phases.ts";
export * from "./run_strategy.ts";
export * from "./objects.ts";
export * from "./cidr.ts";
export * from "./vcpus.ts";
export * from "./refusals.ts";
export * from "./unsupported.ts";
export * from "./unsupported_kinds.ts";
export * from "./runnable.ts";
