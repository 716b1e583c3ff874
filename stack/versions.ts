/** Pinned versions of what the local stack builds; change them together with the ADR that says why. */
export const KUBERNETES_VERSION = "1.36.3";
export const ETCD_VERSION = "3.6.16";
/** The Deno release every entry point runs on. */
export const DENO_VERSION = "2.9.6";
