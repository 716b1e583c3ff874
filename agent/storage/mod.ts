/** Node-local storage: the `denovirt.io/local` provisioner, its reclaimer, imports, and claims for VMIs. */
export { type ImportRunner, importsController } from "./imports.ts";
export { provisionerController } from "./provisioner.ts";
export { reclaimerController } from "./reclaimer.ts";
