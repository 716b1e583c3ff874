/** `denovirt version`: this client's versions and, as `virtctl version`, the server's. */
import denoJson from "../deno.json" with { type: "json" };
import { DENO_VERSION, ETCD_VERSION, KUBERNETES_VERSION } from "../stack/versions.ts";
import {
  callApi,
  KUBE_FLAGS_USAGE,
  parseKubeArgs,
  runVerb,
  SUBRESOURCE_API,
} from "./kube_command.ts";

const USAGE = `Usage: denovirt version [--client] [flags]

Print denovirt's version and the pinned versions it builds on, then the version of the
subresource API the current kubeconfig reaches (skipped with --client or without a kubeconfig).
${KUBE_FLAGS_USAGE}`;

/** Print denovirt's version and the pinned versions it builds on, then the server's. */
export function versionCommand(args: string[]): Promise<number> {
  return runVerb(USAGE, async () => {
    const cli = parseKubeArgs(args, { client: { type: "boolean" } });
    if (cli.help) return (console.log(USAGE), 0);
    console.log(`denovirt ${denoJson.version}`);
    console.log(`deno ${Deno.version.deno} (pinned ${DENO_VERSION})`);
    console.log(`kubernetes ${KUBERNETES_VERSION}, etcd ${ETCD_VERSION}`);
    if (cli.values.client) return 0;
    let kubeconfig;
    try {
      kubeconfig = cli.kubeconfig();
    } catch {
      return 0; // No cluster configured: the client's versions are all there is.
    }
    try {
      const { text } = await callApi(kubeconfig, "GET", `${SUBRESOURCE_API}/version`);
      const info = JSON.parse(text) as { gitVersion?: string };
      console.log(`server: subresources.kubevirt.io ${info.gitVersion ?? "(unknown version)"}`);
    } catch (error) {
      console.error(`server: unavailable: ${(error as Error).message}`);
    }
    return 0;
  });
}
