/**
 * The node agent assembled: one Manager, without leader election, running the agent's
 * controllers (VMIs against libvirt's domains, the Node, local volumes and imports, and the
 * launcher pods where no kubelet runs). Stopping the agent never stops a VM: domains are
 * persistent and QEMU belongs to libvirtd, so a restarted agent adopts what it finds.
 */
import { join } from "node:path";
import {
  AGENT_ENDPOINT_ANNOTATION,
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  LAUNCHER_SELECTOR,
  NODE_NAME_LABEL,
  type NodeObject,
  type VMI,
} from "../api/mod.ts";
import type { Controller } from "../lib/controller.ts";
import { Manager } from "../lib/controller_manager.ts";
import { RestEventRecorder } from "../lib/events.ts";
import { keyOf, type KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { configMaps, leases, nodes, pods, virtualMachineInstances } from "../lib/kube/resources.ts";
import { LocalSource } from "../lib/local_source.ts";
import type { Logger } from "../lib/log.ts";
import type { NodeFacts } from "./domain/mod.ts";
import type { AgentConfig } from "./flags.ts";
import { containerDisks } from "./images/container_disks.ts";
import { insecureRegistries } from "./images/insecure.ts";
import { ImagePuller } from "./images/puller.ts";
import { ImageStore } from "./images/store.ts";
import { childCommandOf, childImageFetcher, childImportRunner } from "./import_child/runners.ts";
import { libvirtSupportsKvm } from "./kvm.ts";
import { fenceController } from "./fencing/controller.ts";
import { FenceGate, gatedHypervisor } from "./fencing/gate.ts";
import { startupFenceController } from "./fencing/startup.ts";
import { LazyHypervisor } from "./libvirt/lazy.ts";
import { domainReflector, libvirtListWatch } from "./libvirt/watch.ts";
import { readHostInfo } from "./node/host.ts";
import { launcherPodController } from "./node/launcher_pods.ts";
import { attacherOf, sandboxesOf } from "./network/node_network.ts";
import { kubeletSandboxLocator } from "./network/kubelet_sandboxes.ts";
import { NODE_LEASE_NAMESPACE, nodeController } from "./node/node_controller.ts";
import { ImportJobs } from "./storage/import_jobs.ts";
import { type ImportRunner, importsController } from "./storage/imports.ts";
import { NodeCapacity } from "./storage/node_capacity.ts";
import { provisionerController } from "./storage/provisioner.ts";
import { reclaimerController } from "./storage/reclaimer.ts";
import { resolveClaimDir } from "./storage/resolver.ts";
import { volumesDirOf } from "./storage/types.ts";
import { secretDataOf } from "./volumes/secrets.ts";
import { VMI_CONTROLLER, vmiController } from "./vmi/controller.ts";
import { MigrationJobs } from "./migration/jobs.ts";
import { agentMetrics } from "./metrics/agent_metrics.ts";
import type { Registry } from "../lib/metrics/registry.ts";
import { migrationPolicy } from "./migration/policy.ts";
import { targetVmisReflector } from "./migration/target_vmis.ts";
import { type LifecycleContext, pauseVmi, unpauseVmi } from "./vmi/lifecycle.ts";
import { PassMemory } from "./vmi/memory.ts";
import { openMallocTrim } from "../lib/heap_trim.ts";
import { heapTrimController } from "./node/heap_trim_controller.ts";
import { softRebootVmi } from "./vmi/soft_reboot.ts";
import { screenshotVmi } from "./vmi/screenshot.ts";
import { guestFilesystemsOfVmi, guestUsersOfVmi } from "./vmi/guest_lists.ts";
import type { GuestFileSystem, GuestOSUser, Pod } from "../api/mod.ts";

/** A running agent: its readiness, and the calls the node-level APIs make. */
export interface RunningAgent {
  /** Why the agent is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  pause(namespace: string, name: string): Promise<void>;
  unpause(namespace: string, name: string): Promise<void>;
  softReboot(namespace: string, name: string): Promise<void>;
  /** The PNG of the guest's screen. */
  screenshot(namespace: string, name: string): Promise<Uint8Array<ArrayBuffer>>;
  /** The users logged in to the guest, from its guest agent. */
  guestUsers(namespace: string, name: string): Promise<GuestOSUser[]>;
  /** The guest's mounted filesystems, from its guest agent. */
  guestFilesystems(namespace: string, name: string): Promise<GuestFileSystem[]>;
  /** The launcher pod if it is bound to this node, from the agent's cache. */
  launcherPodOf(namespace: string, name: string): Pod | undefined;
  /** The VMI if it is bound to this node, from the agent's cache. */
  vmiOf(namespace: string, name: string): VMI | undefined;
  /** What `/metrics` serves. */
  metrics: Registry;
  /** Resolves once every loop stopped (after `stop` aborted). */
  done: Promise<void>;
}

/** What the agent may be given instead of its defaults (tests). */
export interface AgentParts {
  /** The import engine. */
  runImport?: ImportRunner;
}

/** Imports run at once on one node. */
const CONCURRENT_IMPORTS = 2;

/** Starts the agent in the background; it stops when `stop` aborts. */
export function startAgent(
  config: AgentConfig,
  rest: RestClient,
  log: Logger,
  stop: AbortSignal,
  parts: AgentParts = {},
): RunningAgent {
  const node = config.nodeName;
  const hypervisor = new LazyHypervisor(config.libvirtUri);
  // Every start goes through the fence gate; destroying never waits for it.
  const fence = new FenceGate();
  const startable = gatedHypervisor(hypervisor, fence);
  const domainSource = libvirtListWatch(hypervisor);
  const domains = domainReflector(domainSource, config.resyncSeconds * 1000, log);
  let probing: Promise<NodeFacts> | undefined;
  const nodeFacts = (): Promise<NodeFacts> =>
    probing ??= (async () => {
      const kvm = config.kvm === "auto" ? await libvirtSupportsKvm(hypervisor) : config.kvm;
      log.info("Virtualisation", { kvm, emulation: kvm ? "KVM" : "TCG (software emulation)" });
      return { name: node, kvm, runDir: config.runDir };
    })().catch((error) => {
      probing = undefined;
      throw error;
    });
  const volumesDir = volumesDirOf(config.dataDir);
  // glibc's malloc_trim where the process may have it (FFI allowed, Linux, glibc).
  const trimHeap = openMallocTrim();
  const jobs = new ImportJobs();
  const migrationJobs = new MigrationJobs();
  const events = new RestEventRecorder({ rest, component: "denovirt-agent", host: node, log });
  let manager: Manager | undefined;
  const metrics = agentMetrics({
    node,
    hypervisor,
    vmiOf: (key) => manager?.store<VMI>(virtualMachineInstances).get(key),
  });

  const done = (async () => {
    for (const dir of [config.dataDir, config.runDir, volumesDir, ...config.allowedHostDiskDirs]) {
      await Deno.mkdir(dir, { recursive: true });
    }
    // Imports and pulls run in short-lived children: their memory leaves with them.
    const child = childCommandOf(log);
    const imageStore = new ImageStore(join(config.dataDir, "images"));
    const pulls = new LocalSource<KubeObject>("image pulls");
    await imageStore.init();
    const images = containerDisks({
      store: imageStore,
      puller: new ImagePuller({
        store: imageStore,
        limitBytes: Number(config.imageCacheBytes),
        insecure: () => insecureRegistries(rest),
        log: log.with({ part: "images" }),
        fetch: childImageFetcher(child, log.with({ part: "images" })),
      }),
      events,
      pulls,
      getSecret: (namespace, name) => secretDataOf(rest, namespace, name),
    });
    const sandboxes = config.registerNode && config.podNetwork === "cni"
      ? sandboxesOf(config, () => {
        const self = manager?.store<NodeObject>(nodes).get(node);
        return Promise.resolve(self?.spec?.podCIDR);
      })
      : undefined;
    // Beside a kubelet (no --register-node), its CNI runtime made the launcher pods' networks.
    const network = await attacherOf(
      sandboxes,
      !config.registerNode && config.podNetwork === "cni"
        ? kubeletSandboxLocator(config.dataDir)
        : undefined,
    );
    const capacity = new NodeCapacity({
      node,
      dataDir: config.dataDir,
      capacityBytes: config.localStorageCapacityBytes,
    });
    const controllers: Controller[] = [
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
          enqueue: (key) => manager?.enqueue(VMI_CONTROLLER, key),
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
          sandboxReady: (vmi) => manager?.enqueue(VMI_CONTROLLER, keyOf(vmi)),
        }) as Controller]
        : []),
    ];
    manager = new Manager({
      rest,
      controllers,
      component: "denovirt-agent",
      log,
      events,
      metrics,
      selections: [
        { resource: virtualMachineInstances, labelSelector: `${NODE_NAME_LABEL}=${node}` },
        {
          resource: pods,
          labelSelector: LAUNCHER_SELECTOR,
          fieldSelector: `spec.nodeName=${node}`,
        },
        { resource: nodes, fieldSelector: `metadata.name=${node}` },
        {
          resource: leases,
          namespace: NODE_LEASE_NAMESPACE,
          fieldSelector: `metadata.name=${node}`,
        },
        {
          resource: configMaps,
          namespace: DENOVIRT_NAMESPACE,
          fieldSelector: `metadata.name=${DENOVIRT_CONFIG_MAP}`,
        },
      ],
      caches: config.registerNode ? [leases] : [],
    });
    domains.synced().then(() => log.info("libvirt answers", { domains: domains.store.size }));
    try {
      await manager.run(stop);
    } finally {
      domainSource.close();
      await hypervisor.close();
      log.info("Agent stopped; domains keep running");
    }
  })();

  const lifecycle = (): LifecycleContext => {
    if (!manager) throw new Error("The agent is not running yet");
    const m = manager;
    return {
      node,
      vmis: m.store<VMI>(virtualMachineInstances),
      hypervisor: startable,
      enqueue: (key) => m.enqueue(VMI_CONTROLLER, key),
      events,
    };
  };
  return {
    notReadyReason() {
      if (!manager) return "starting";
      if (!hypervisor.connected) return "libvirt is not connected";
      if (!manager.hasSynced) return "caches are not synced";
      if (!domains.healthy) return "libvirt does not answer";
      if (fence.closedBecause) return `the node is fenced: ${fence.closedBecause}`;
      const self = manager.store<NodeObject>(nodes).get(node);
      if (!self?.metadata?.annotations?.[AGENT_ENDPOINT_ANNOTATION]) {
        return config.registerNode
          ? "the Node is not registered"
          : "the Node has no agent endpoint";
      }
      return undefined;
    },
    pause: (namespace, name) => pauseVmi(lifecycle(), namespace, name),
    unpause: (namespace, name) => unpauseVmi(lifecycle(), namespace, name),
    softReboot: (namespace, name) => softRebootVmi(lifecycle(), namespace, name),
    screenshot: (namespace, name) => screenshotVmi(lifecycle(), namespace, name),
    guestUsers: (namespace, name) => guestUsersOfVmi(lifecycle(), namespace, name),
    guestFilesystems: (namespace, name) => guestFilesystemsOfVmi(lifecycle(), namespace, name),
    launcherPodOf: (namespace, name) => {
      const pod = manager?.store<Pod>(pods).get(`${namespace}/${name}`);
      return pod?.spec?.nodeName === node ? pod : undefined;
    },
    vmiOf: (namespace, name) => {
      const vmi = manager?.store<VMI>(virtualMachineInstances).get(`${namespace}/${name}`);
      return vmi?.status?.nodeName === node ? vmi : undefined;
    },
    metrics,
    done,
  };
}
