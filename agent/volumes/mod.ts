/** Volume preparation for the agent: host files for each disk of a VMI, and their cleanup. */
export { prepareDiskNamed, prepareDisks } from "./prepare.ts";
export type { PreparedDisk, VolumeContext } from "./context.ts";
export { cloudInitMedia, MAX_CLOUD_INIT_BYTES } from "./cloud_init.ts";
export { assertInside, PathEscapeError, safeJoin } from "./paths.ts";
export { ensureVmiDir, removeVmiDir, vmiDataDir } from "./vmi_dir.ts";
export { ensureVmiRunDir, removeVmiRunDir } from "./run_dir.ts";
