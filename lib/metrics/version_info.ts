/** `kubevirt_info`, which every KubeVirt component serves: the build's runtime and version. */
import type { MetricFamily } from "./text_format.ts";

/** The family: `goversion` holds the runtime (Deno), `kubeversion` denovirt's version. */
export function versionInfoFamily(
  version: string,
  runtime = `deno${Deno.version.deno}`,
): MetricFamily {
  return {
    name: "kubevirt_info",
    help: "Version information.",
    type: "gauge",
    samples: [{ labels: { goversion: runtime, kubeversion: `v${version}` }, value: 1 }],
  };
}
