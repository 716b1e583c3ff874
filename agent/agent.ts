/**
 * The node agent assembled: one Manager, without leader election, running the agent's
 * controllers (VMIs against libvirt's domains, the Node, local volumes and imports, and the
 * launcher pods where no kubelet runs). Stopping the agent never stops a VM: domains are
 * persistent and QEMU belongs to libvirtd, so a restarted agent adopts what it finds.
 */
import { join } from "node:path";
import type { NodeObject, VMI } from "../api/mod.ts";
import { Manager } from "../lib/controller_manager.ts";
import { RestEventRecorder } from "../lib/events.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { leases, nodes, virtualMachineInstances } from "../lib/kube/resources.ts";
import { LocalSource } from "../lib/local_source.ts";
import type { Logger } from "../lib/log.ts";
import { agentControllers } from "./agent_controllers.ts";
import { agentSelections } from "./agent_selections.ts";
import type { NodeFacts } from "./domain/mod.ts";
import type { AgentConfig } from "./flags.ts";
import { containerDisks } from "./images/container_disks.ts";
import { insecureRegistries } from "./images/insecure.ts";
import { ImagePuller } from "./images/puller.ts";
import { ImageStore } from "./images/store.ts";
import { childCommandOf, childImageFetcher } from "./import_child/runners.ts";
import { libvirtSupportsKvm } from "./kvm.ts";
import { FenceGate, gatedHypervisor } from "./fencing/gate.ts";
import { LazyHypervisor } from "./libvirt/lazy.ts";
import { domainReflector, libvirtListWatch } from "./libvirt/watch.ts";
import { attacherOf, sandboxesOf } from "./network/node_network.ts";
import { kubeletSandboxLocator } from "./network/kubelet_sandboxes.ts";
import { ImportJobs } from "./storage/import_jobs.ts";
import type { ImportRunner } from "./storage/imports.ts";
import { NodeCapacity } from "./storage/node_capacity.ts";
import { volumesDirOf } from "./storage/types.ts";
import { secretDataOf } from "./volumes/secrets.ts";
import { MigrationJobs } from "./migration/jobs.ts";
import { agentMetrics } from "./metrics/agent_metrics.ts";
import { openMallocTrim } from "../lib/heap_trim.ts";
import { type RunningAgent, runningAgentOf } from "./running_agent.ts";

/** What the agent may be given instead of its defaults (tests). */
export interface AgentParts {
  /** The import engine. */
  runImport?: ImportRunner;
}

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
    const controllers = await agentControllers({
      config,
      rest,
      log,
      hypervisor,
      startable,
      fence,
      domains,
      pulls,
      nodeFacts,
      network,
      sandboxes,
      images,
      capacity,
      volumesDir,
      trimHeap,
      jobs,
      migrationJobs,
      child,
      runImport: parts.runImport,
      manager: () => manager,
    });
    manager = new Manager({
      rest,
      controllers,
      component: "denovirt-agent",
      log,
      events,
      metrics,
      selections: agentSelections(node),
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

  return runningAgentOf({
    node,
    registerNode: config.registerNode,
    manager: () => manager,
    hypervisor,
    startable,
    domains,
    fence,
    events,
    metrics,
    done,
  });
}
