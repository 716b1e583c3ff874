/**
 * Helpers of the drain tests (this file holds no tests): the project's kubectl run against the
 * stack, cordoning a node for the length of a call, and a record of every version of a namespace's VMIs (a VMI that a
 * run strategy replaces keeps its name, so only a watch sees the one that ended).
 */
import { Watch } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { nodes } from "../../lib/kube/resources.ts";
import { kubeBinaryPaths } from "../../stack/kube_binaries.ts";
import type { TestStack } from "./stack.ts";
import { type CommandResult, runWithKubeconfig } from "./virtctl.ts";

/** `kubectl <args>` (the stack's own build) as the stack's admin. */
export function kubectl(stack: TestStack, args: string[]): Promise<CommandResult> {
  return runWithKubeconfig(kubeBinaryPaths().kubectl, args, stack.paths.kubeconfig);
}

/** `kubectl <args>` as the stack's admin; its stdout, or an error with its stderr when it fails. */
export async function kubectlOutput(stack: TestStack, ...args: string[]): Promise<string> {
  const out = await kubectl(stack, args);
  if (out.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${out.stderr}`);
  return out.stdout;
}

/** Marks `node` unschedulable (true) or schedulable again (false), as `kubectl cordon` does. */
export async function setUnschedulable(rest: RestClient, node: string, value: boolean) {
  await rest.patch(nodes, { name: node }, { spec: { unschedulable: value || null } }, {
    type: "merge",
  });
}

/** Runs `fn` with `node` cordoned, uncordoning it after, whatever happened. */
export async function whileCordoned<T>(
  rest: RestClient,
  node: string,
  fn: () => Promise<T>,
): Promise<T> {
  await setUnschedulable(rest, node, true);
  try {
    return await fn();
  } finally {
    await setUnschedulable(rest, node, false);
  }
}

/** Every version of the namespace's VMIs a watch delivered, deletions included, oldest first. */
export async function recordVmis(kc: KubeConfig, namespace: string) {
  const seen: Array<VirtualMachineInstance & KubeObject> = [];
  const path = `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances`;
  const request = await new Watch(kc).watch(path, {}, (_type: string, object) => {
    seen.push(object as VirtualMachineInstance & KubeObject);
  }, () => {});
  return {
    /** The versions of the VMI with this uid seen so far. */
    versionsOf: (uid: string) => seen.filter((v) => v.metadata.uid === uid),
    stop: () => request.abort(),
  };
}
