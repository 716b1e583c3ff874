/** Start the denovirt roles on the local stack, each as its own process with its own identity. */
import { ROLE_V8_OPTION } from "../lib/role_runtime.ts";
import { useRoleBundle } from "./bundle.ts";
import { kubeconfigFor } from "./control_plane.ts";
import { type DaemonSpec, startDaemon } from "./daemon.ts";
import { ALL_IN_ONE, layoutFromEnv, type RoleLayout, roleLog, rolePid } from "./layout.ts";
import { agentIdentity, agentServingCert, ROLE_ACCOUNTS, type RoleName } from "./identities.ts";
import type { StackPaths } from "./paths.ts";
import { CNI_BIN_DIR, cniPaths, STACK_NODE_NAME } from "./pod_network.ts";
import { stackNode } from "./nodes/addressing.ts";
import type { StackPorts } from "./ports.ts";
import { answersOk, httpsClient, waitUntil } from "./readiness.ts";
import { pkiFiles } from "./pki.ts";

/** Which denovirt roles the local stack starts: those whose implementation is complete. */
export const ROLES_READY_FOR_THE_STACK: RoleName[] = ["controllers", "webhooks", "agent"];

/** The entry point roles run from: `$DENOVIRT_ENTRY` (e.g. the bundle), else this checkout's main.ts. */
export function roleEntry(): string {
  return Deno.env.get("DENOVIRT_ENTRY") ?? new URL("../main.ts", import.meta.url).pathname;
}

/** The one directory where the local stack allows hostDisk volumes. */
export function hostDiskDir(paths: StackPaths): string {
  return `${paths.data}/hostdisks`;
}

/** Where an agent runs: its node, its address, its CNI files, and how to enter its namespaces. */
export interface AgentPlacement {
  name: string;
  /** The Node's InternalIP, where the agent serves and libvirtd listens for migrations. */
  address: string;
  cni: ReturnType<typeof cniPaths>;
  /** A command prefix entering the node's namespaces; none for the stack's own node. */
  enter?: string[];
}

/**
 * The stack's own node: on the nodes' bridge when the stack has the pod network (it owns the
 * bridge then), else on loopback.
 */
export function ownNodePlacement(paths: StackPaths, podNetwork: boolean): AgentPlacement {
  return {
    name: STACK_NODE_NAME,
    address: podNetwork ? stackNode(1).address : "127.0.0.1",
    cni: cniPaths(paths),
  };
}

/**
 * The flags of one role on this stack; the agent is given the CNI files only on a stack that
 * has the pod network (`podNetwork`, default true), and runs where `placement` says (default:
 * the stack's own node) with that node's own identity.
 */
export function roleArgs(
  paths: StackPaths,
  ports: StackPorts,
  role: RoleName,
  libvirt: { uri: string; kvm: boolean },
  podNetwork = true,
  placement: AgentPlacement = ownNodePlacement(paths, podNetwork),
): string[] {
  const pki = pkiFiles(paths.pki);
  const cni = placement.cni;
  const identity = role === "agent" ? agentIdentity(placement.name).name : ROLE_ACCOUNTS[role];
  const common = [`--kubeconfig=${kubeconfigFor(paths, identity)}`];
  const serving = (name: string) => [`--tls-cert=${pki.cert(name)}`, `--tls-key=${pki.key(name)}`];
  const byRole: Record<RoleName, string[]> = {
    controllers: [
      `--health-port=${ports.controllersHealth}`,
      ...serving("serving-denovirt-controllers"),
    ],
    webhooks: [
      `--port=${ports.webhooks}`,
      `--subresources-port=${ports.subresources}`,
      ...serving("serving-denovirt-webhooks"),
      `--client-ca=${pki.caCert}`,
      `--front-proxy-ca=${pki.frontProxyCaCert}`,
      `--allowed-hostdisk-dir=${hostDiskDir(paths)}`,
    ],
    agent: [
      `--port=${ports.agent}`,
      `--bind-address=${placement.address}`,
      `--node-address=${placement.address}`,
      ...serving(agentServingCert(placement).name),
      `--client-ca=${pki.caCert}`,
      `--libvirt-uri=${libvirt.uri}`,
      // The stack already knows whether KVM really works (a visible /dev/kvm may not).
      `--kvm=${libvirt.kvm}`,
      `--data-dir=${paths.data}`,
      `--allowed-hostdisk-dir=${hostDiskDir(paths)}`,
      `--node-name=${placement.name}`,
      "--register-node",
      ...(podNetwork
        ? [
          `--cni-conf-dir=${cni.confDir}`,
          `--cni-bin-dir=${CNI_BIN_DIR}`,
          `--cni-conf-template=${cni.template}`,
        ]
        : ["--pod-network=none"]),
    ],
  };
  return [...common, ...byRole[role]];
}

/** The command line of one role on this stack, as its own process (see roleArgs). */
export function roleSpec(
  paths: StackPaths,
  ports: StackPorts,
  role: RoleName,
  libvirt: { uri: string; kvm: boolean },
  podNetwork = true,
  placement: AgentPlacement = ownNodePlacement(paths, podNetwork),
): DaemonSpec {
  const argv = [
    Deno.execPath(),
    "run",
    "--no-prompt",
    ROLE_V8_OPTION,
    ...permissionsOf(paths, role, podNetwork, placement.cni.confDir),
    roleEntry(),
    role,
    ...roleArgs(paths, ports, role, libvirt, podNetwork, placement),
  ];
  const [command, ...args] = role === "agent" && placement.enter
    ? [...placement.enter, ...argv]
    : argv;
  return { name: role, command: command!, args, env: { DENO_NO_UPDATE_CHECK: "1" } };
}

/**
 * The command line of `denovirt all` on the stack's own node: every role in one process, each
 * with its own flags and identity. It runs with all permissions, the union of what the roles
 * need (the agent alone is narrowed when it runs apart; see adr/).
 */
export function allInOneSpec(
  paths: StackPaths,
  ports: StackPorts,
  libvirt: { uri: string; kvm: boolean },
  podNetwork = true,
): DaemonSpec {
  const segments = ROLES_READY_FOR_THE_STACK.flatMap((role, i) => [
    ...(i > 0 ? ["--"] : []),
    role,
    ...roleArgs(paths, ports, role, libvirt, podNetwork),
  ]);
  return {
    name: ALL_IN_ONE,
    command: Deno.execPath(),
    args: ["run", "--no-prompt", ROLE_V8_OPTION, "-A", roleEntry(), "all", ...segments],
    env: { DENO_NO_UPDATE_CHECK: "1" },
  };
}

/**
 * Deno permissions of a role. The agent runs with exactly the set `agent` in deno.json plus
 * writing to the stack's data directory and its CNI conf dir (where it renders the template);
 * the other roles still run with all permissions.
 * The agent's network access is not narrowed to hosts: it connects to each VMI's serial console
 * socket, whose path is only known at run time, and Deno names unix sockets one path at a time.
 */
function permissionsOf(
  paths: StackPaths,
  role: RoleName,
  podNetwork: boolean,
  cniConfDir: string,
): string[] {
  if (role !== "agent") return ["-A"];
  const writable = podNetwork ? [paths.data, cniConfDir] : [paths.data];
  return [`--config=${DENO_JSON}`, "-P=agent", `--allow-write=${writable.join(",")}`];
}

const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

/** The URLs a role answers `/readyz` on: the webhooks role serves the subresource API too. */
function readyUrls(ports: StackPorts, role: RoleName, agentAddress: string): string[] {
  const at = (port: number) => `https://127.0.0.1:${port}/readyz`;
  if (role === "controllers") return [at(ports.controllersHealth)];
  if (role === "webhooks") return [at(ports.webhooks), at(ports.subresources)];
  return [agentReadyUrl(ports, agentAddress)];
}

/** Where an agent answers `/readyz`: its node's address. */
export function agentReadyUrl(ports: StackPorts, address: string): string {
  return `https://${address}:${ports.agent}/readyz`;
}

/**
 * Start every role of `roles` (default: all that are ready for the stack) that is not running,
 * in the stack's layout; wait until each answers /readyz. Roles already running in the other
 * layout are left as they are.
 */
export async function startRoles(
  paths: StackPaths,
  ports: StackPorts,
  node: { libvirt: { uri: string; kvm: boolean }; podNetwork: boolean },
  say: (line: string) => void,
  started: string[],
  layout: RoleLayout = layoutFromEnv(),
  roles: readonly RoleName[] = ROLES_READY_FOR_THE_STACK,
) {
  await useRoleBundle(say);
  const client = await httpsClient({ caFile: pkiFiles(paths.pki).caCert });
  const placement = ownNodePlacement(paths, node.podNetwork);
  const anyRunning = async () => {
    for (const role of ROLES_READY_FOR_THE_STACK) {
      if ((await rolePid(paths, role)) !== undefined) return true;
    }
    return false;
  };
  if (layout === "all-in-one" && !(await anyRunning())) {
    await startDaemon(paths, allInOneSpec(paths, ports, node.libvirt, node.podNetwork));
    started.push(ALL_IN_ONE);
    say(`Started ${ALL_IN_ONE} (${ROLES_READY_FOR_THE_STACK.join(", ")} in one process)`);
  }
  for (const role of roles) {
    if ((await rolePid(paths, role)) === undefined) {
      await startDaemon(paths, roleSpec(paths, ports, role, node.libvirt, node.podNetwork));
      started.push(role);
      say(`Started ${role}`);
    }
    for (const url of readyUrls(ports, role, placement.address)) {
      await waitUntil(() => answersOk(url, client), {
        what: role,
        timeoutMs: 60_000,
        logFile: await roleLog(paths, role),
        stillAlive: async () => (await rolePid(paths, role)) !== undefined,
      });
    }
  }
}
