/** denovirt's public modules, assembled; importing this starts nothing. */
export { main } from "./cli/main.ts";
export { up } from "./stack/up.ts";
export { down } from "./stack/down.ts";
