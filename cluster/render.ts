/** Render `manifests/cluster` with the project's kubectl (`kubectl kustomize`), as objects. */
import { parseAllDocuments } from "yaml";
import { kubeBinaryPaths } from "../stack/kube_binaries.ts";
import { runChecked } from "../lib/exec.ts";

/** A rendered object, loosely typed: tests read what they check. */
// deno-lint-ignore no-explicit-any
export type Rendered = Record<string, any>;

/** The install's directory in this checkout. */
export const CLUSTER_MANIFESTS = new URL("../manifests/cluster", import.meta.url).pathname;

/** Every object `kubectl apply -k manifests/cluster` would send, in kustomize's order. */
export async function renderCluster(kubectl = kubeBinaryPaths().kubectl): Promise<Rendered[]> {
  const text = await runChecked(kubectl, ["kustomize", CLUSTER_MANIFESTS]);
  return parseAllDocuments(text).map((d) => d.toJS() as Rendered).filter((o) => o !== null);
}

/** The pod template's containers of a workload, init containers first. */
export function containersOf(workload: Rendered): Rendered[] {
  const spec = workload.spec?.template?.spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}
