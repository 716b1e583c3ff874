/** containerDisk images built offline and pushed to registries: the public face of stack/images/. */
export * from "./challenge.ts";
export * from "./fixture_images.ts";
export * from "./layer.ts";
export * from "./layout.ts";
export * from "./manifests.ts";
export * as mediaTypes from "./media_types.ts";
export * from "./push.ts";
export * from "./registry_session.ts";
export * from "./tar.ts";
