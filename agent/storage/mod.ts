/** Node-local storage: the `denovirt.io/local` provisioner, its deleter, imports, and claims for VMIs. */
export { LocalStorage, type LocalStorageOptions } from "./local_storage.ts";
export { type ImportRunner } from "./import_driver.ts";
