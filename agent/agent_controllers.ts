/**
 * The agent's controllers, wired to the parts `startAgent()` made: fencing, VMIs against
 * libvirt's domains, the Node, local volumes and imports, the heap trim, and the launcher pods
 * where no kubelet runs.
 */
import type { ChangeSource } from "../lib/change_source.ts";
import type { Controller } from "../lib/controller.ts";
import type { Manager } from "../lib/controller_manager.ts";
import { keyOf, type KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import type { LocalSource } from "../lib/local_source.ts";
import type { Logger } from "../lib/log.ts";
import type { NodeFacts } from "./domain/mod.ts";
import type { AgentConfig } from "./flags.ts";
import type { containerDisks } from "./images/container_disks.ts";
import { type ChildCommand, childImportRunner } from "./import_child/runners.ts";
import { fenceController } from "./fencing/controller.ts";
import type { FenceGate } from "./fencing/gate.ts";
import { startupFenceController } from "./fencing/startup.ts";
import type { Hypervisor } from "./libvirt/mod.ts";
import type { DomainObject } from "./libvirt/watch.ts";
import { readHostInfo } from "./node/host.ts";
import { launcherPodController } from "./node/launcher_pods.ts";
import type { VmNetworkAttacher } from "./network/attach.ts";
import type { PodSandboxes } from "./network/sandboxes.ts";
import { nodeController } from "./node/node_controller.ts";
import type { ImportJobs } from "./storage/import_jobs.ts";
import { type ImportRunner, importsController } from "./storage/imports.ts";
import type { NodeCapacity } from "./storage/node_capacity.ts";
import { provisionerController } from "./storage/provisioner.ts";
import { reclaimerController } from "./storage/reclaimer.ts";
import { resolveClaimDir } from "./storage/resolver.ts";
import { secretDataOf } from "./volumes/secrets.ts";
import { VMI_CONTROLLER, vmiController } from "./vmi/controller.ts";
import type { MigrationJobs } from "./migration/jobs.ts";
import { migrationPolicy } from "./migration/policy.ts";
import { targetVmisReflector } from "./migration/target_vmis.ts";
import { PassMemory } from "./vmi/memory.ts";
import { heapTrimController } from "./node/heap_trim_controller.ts";

/** Imports run at once on one node. */
const CONCURRENT_IMPORTS = 2;

/** What the agent's controllers are built from. */
export interface AgentControllerParts {
  config: AgentConfig;
  rest: RestClient;
  log: Logger;
  /** libvirt without the fence gate (destroying never waits for it). */
  hypervisor: Hypervisor;
  /** libvirt behind the fence gate: every start goes through it. */
  startable: Hypervisor;
  fence: FenceGate;
  domains: ChangeSource<DomainObject>;
  pulls: LocalSource<KubeObject>;
  nodeFacts(): Promise<NodeFacts>;
  network: VmNetworkAttacher;
  sandboxes: PodSandboxes | undefined;
  images: ReturnType<typeof containerDisks>;
  capacity: NodeCapacity;
  volumesDir: string;
  trimHeap: (() => Promise<void>) | undefined;
  jobs: ImportJobs;
  migrationJobs: MigrationJobs;
  child: ChildCommand;
  /** The import engine instead of the default (tests). */
  runImport: ImportRunner | undefined;
  /** The Manager, once made: controllers enqueue VMIs through it. */
  manager(): Manager | undefined;
}

/** The controllers the agent on `parts.config.nodeName` runs. */
export async function agentControllers(parts: AgentControllerParts): Promise<Controller[]> {
  const { config, rest, log, hypervisor, startable, fence, domains, pulls, nodeFacts } = parts;
  const { network, sandboxes, images, capacity, volumesDir, trimHeap, jobs, migrationJobs } = parts;
  const { child, manager } = parts;
  const node = config.nodeName;
  return [
    // Starts before the caches sync, and holds the gate closed until this node's domains were
    // checked against the API server: no domain of a VMI not assigned here survives start-up.
    startupFenceController({
      node: { name: node, kvm: false, runDir: config.runDir },
      hypervisor,
      fenceSeconds: config.fenceSeconds,
      dataDir: config.dataDir,
      gate: fence,
    }) as Controller,
    fenceController({
      node,
      fenceSeconds: config.fenceSeconds,
      gate: fence,
      hypervisor,
      dataDir: config.dataDir,
    }) as Controller,
    vmiController({
      node,
      hypervisor: startable,
      fence,
      domains,
      pulls,
      nodeFacts,
      memory: new PassMemory(),
      network,
      workers: config.workers,
      targets: targetVmisReflector(rest, node, log),
      migrations: {
        jobs: migrationJobs,
        policy: () => migrationPolicy(rest),
        enqueue: (key) => manager()?.enqueue(VMI_CONTROLLER, key),
      },
      nodeAddress: config.nodeAddress,
      volumes: (cache) => ({
        dataDir: config.dataDir,
        hostDiskRoots: config.allowedHostDiskDirs,
        getSecret: (namespace, name) => secretDataOf(rest, namespace, name),
        resolveClaim: (namespace, name) =>
          resolveClaimDir(cache, { node, volumesDir }, namespace, name),
        ...images,
      }),
    }) as Controller,
    nodeController({
      facts: {
        name: node,
        host: await readHostInfo(config.dataDir),
        address: config.nodeAddress,
        port: config.port,
        taints: config.registerWithTaints,
      },
      register: config.registerNode,
      capacity,
    }) as Controller,
    provisionerController({ node, volumesDir, capacity }) as Controller,
    // VM starts and stops come in bursts that leave the C heap mostly free but held.
    ...(trimHeap ? [heapTrimController(node, trimHeap)] : []),
    reclaimerController({ node, volumesDir, imports: jobs }) as Controller,
    importsController({
      node,
      volumesDir,
      run: parts.runImport ?? childImportRunner(child, log),
      jobs,
      concurrency: CONCURRENT_IMPORTS,
    }) as Controller,
    ...(config.registerNode
      ? [launcherPodController({
        node,
        hostIP: config.nodeAddress,
        sandboxes,
        sandboxReady: (vmi) => manager()?.enqueue(VMI_CONTROLLER, keyOf(vmi)),
      }) as Controller]
      : []),
  ];
}
