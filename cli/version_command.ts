/** `denovirt version`. */
import denoJson from "../deno.json" with { type: "json" };
import { DENO_VERSION, ETCD_VERSION, KUBERNETES_VERSION } from "../stack/versions.ts";

/** Print denovirt's version and the pinned versions it builds on. */
export function versionCommand(_args: string[]): Promise<number> {
  console.log(`denovirt ${denoJson.version}`);
  console.log(`deno ${Deno.version.deno} (pinned ${DENO_VERSION})`);
  console.log(`kubernetes ${KUBERNETES_VERSION}, etcd ${ETCD_VERSION}`);
  return Promise.resolve(0);
}
