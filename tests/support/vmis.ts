/**
 * VMIs for the agent's integration tests: specs booting the guest fixture, VMIs made Scheduled to
 * a test node as the controllers would, and waits on their phase.
 */
import { join } from "node:path";
import { NODE_NAME_LABEL, type VirtualMachineInstance } from "../../api/mod.ts";
import { ROLES_READY_FOR_THE_STACK } from "../../stack/roles.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { loadKubeConfig } from "../../lib/kube/config.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import { RestClient } from "../../lib/kube/rest.ts";
import { events, virtualMachineInstances } from "../../lib/kube/resources.ts";
import { kubeconfigFor } from "../../stack/control_plane.ts";
import { ensureGuestFixture } from "../../stack/fixture/mod.ts";
import { type AgentDaemon, TEST_TAINT_KEY } from "./agent.ts";
import { eventually, type TestStack } from "./stack.ts";

export type Vmi = VirtualMachineInstance & KubeObject;

let currentStack: TestStack | undefined;

/** The admin's REST client. */
export function adminRest(stack: TestStack): RestClient {
  currentStack = stack;
  return RestClient.fromKubeConfig(stack.admin);
}

/** A 96 MiB VMI booting `disk`, a raw image under the hostDisk dir (64 MiB: the fixture reboots in a loop). */
export function vmiSpec(
  disk: string,
  extra: { volumes?: unknown[]; disks?: unknown[]; grace?: number } = {},
): VirtualMachineInstance["spec"] {
  return {
    domain: {
      resources: { requests: { memory: "96Mi" } },
      devices: {
        disks: [{ name: "root", disk: { bus: "virtio" } }, ...(extra.disks ?? [])],
        interfaces: [{ name: "default", masquerade: {} }],
      },
    },
    networks: [{ name: "default", pod: {} }],
    volumes: [{ name: "root", hostDisk: { path: disk, type: "Disk" } }, ...(extra.volumes ?? [])],
    terminationGracePeriodSeconds: extra.grace ?? 2,
  } as VirtualMachineInstance["spec"];
}

/** A private copy of the fixture's raw disk under the agent's hostDisk directory. */
export async function guestDisk(agent: AgentDaemon, name: string): Promise<string> {
  const fixture = await ensureGuestFixture();
  const path = join(agent.hostDiskDir, `${agent.node}-${name}.img`);
  // cp keeps the copy sparse; the cached fixture is never written to.
  const out = await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, path] })
    .output();
  if (!out.success) {
    throw new Error(`Cannot copy the fixture disk: ${new TextDecoder().decode(out.stderr)}`);
  }
  return path;
}

/**
 * Whether the stack runs the controllers (then VMIs reach the agent's node through launcher pods
 * and kube-scheduler); `DENOVIRT_TEST_CONTROLLERS=0|1` overrides.
 */
export const CONTROLLERS_IN_STACK = Deno.env.get("DENOVIRT_TEST_CONTROLLERS") !== undefined
  ? Deno.env.get("DENOVIRT_TEST_CONTROLLERS") === "1"
  : ROLES_READY_FOR_THE_STACK.includes("controllers");

/**
 * Creates a VMI for the agent's node. With the controllers in the stack, it selects (and
 * tolerates) the test node and goes the whole way; without, the test does the controllers' part:
 * phase Scheduled, `status.nodeName` and the node label.
 */
export async function createScheduledVmi(
  rest: RestClient,
  namespace: string,
  name: string,
  spec: VirtualMachineInstance["spec"],
  node: string,
): Promise<Vmi> {
  const created = await rest.create<Vmi>(virtualMachineInstances, {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name, namespace },
    spec: {
      ...spec,
      nodeSelector: { "kubernetes.io/hostname": node },
      tolerations: [{ key: TEST_TAINT_KEY, operator: "Exists" }],
    },
  } as Vmi);
  if (CONTROLLERS_IN_STACK) return created;
  // As the controllers: the webhooks reserve the node label to their identity.
  if (!currentStack) throw new Error("Make the client with adminRest() first");
  const controllers = RestClient.fromKubeConfig(
    loadKubeConfig({ kubeconfig: kubeconfigFor(currentStack.paths, "denovirt-controllers") }),
  );
  try {
    const scheduled = await controllers.updateStatus<Vmi>(virtualMachineInstances, {
      ...created,
      status: { phase: "Scheduled", nodeName: node },
    });
    return await controllers.patch<Vmi>(virtualMachineInstances, { namespace, name }, {
      metadata: {
        labels: { [NODE_NAME_LABEL]: node },
        resourceVersion: scheduled.metadata.resourceVersion,
      },
    }, { type: "merge" });
  } finally {
    controllers.close();
  }
}

/** The VMI, or undefined once it is gone. */
export async function getVmi(
  rest: RestClient,
  namespace: string,
  name: string,
): Promise<Vmi | undefined> {
  try {
    return await rest.get<Vmi>(virtualMachineInstances, { namespace, name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Waits for the VMI to reach `phase`; fails early on an unexpected final phase. */
export async function waitForPhase(
  rest: RestClient,
  namespace: string,
  name: string,
  phase: string,
  timeoutMs = 120_000,
): Promise<Vmi> {
  try {
    return await eventually(`VMI ${namespace}/${name} to be ${phase}`, async () => {
      const vmi = await getVmi(rest, namespace, name);
      const now = vmi?.status?.phase;
      if (now === phase) return vmi;
      if ((now === "Failed" || now === "Succeeded") && now !== phase) {
        throw new Error(
          `VMI ${namespace}/${name} is ${now} (${vmi?.status?.reason ?? "no reason"})`,
        );
      }
      return undefined;
    }, timeoutMs);
  } catch (error) {
    // A timeout says where the VMI stopped, so a failure in CI can be read without the stack.
    const seen = await describeVmi(rest, namespace, name).catch((e) => `(${e.message})`);
    throw new Error(`${error instanceof Error ? error.message : error}; last seen: ${seen}`);
  }
}

type Event = KubeObject & {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
};

/** The Events of the VMI `name`, oldest first. */
export async function vmiEvents(rest: RestClient, namespace: string, name: string) {
  const list = await rest.list<Event>(events, { namespace });
  return list.items.filter((e) =>
    e.involvedObject?.kind === "VirtualMachineInstance" && e.involvedObject.name === name
  );
}

/** The VMI's phase, node, conditions and latest Events in one line, for failure messages. */
export async function describeVmi(rest: RestClient, namespace: string, name: string) {
  const vmi = await getVmi(rest, namespace, name);
  if (!vmi) return "no such VMI";
  const conditions = (vmi.status?.conditions ?? []).map((c) =>
    `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}`
  );
  const events = (await vmiEvents(rest, namespace, name)).slice(-5).map((e) =>
    `${e.reason}: ${e.message}`
  );
  return `phase ${vmi.status?.phase ?? "none"} on ${vmi.status?.nodeName ?? "no node"}; ` +
    `conditions ${conditions.join(", ") || "none"}; events ${events.join(" | ") || "none"}`;
}
