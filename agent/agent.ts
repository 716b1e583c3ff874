/**
 * The node agent assembled: libvirt, the VMI loop, node-local storage, and on kubelet-less nodes
 * the Node, its Lease and the launcher pods. Stopping the agent never stops a VM: domains are
 * persistent and QEMU belongs to libvirtd, so a restarted agent adopts what it finds.
 */
import { LAUNCHER_SELECTOR, type Pod, type VMI } from "../api/mod.ts";
import { sleep } from "../lib/backoff.ts";
import { Store } from "../lib/cache.ts";
import { messageOf } from "../lib/errors.ts";
import { RestEventRecorder } from "../lib/events.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import { keyOf, type KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { pods, secrets } from "../lib/kube/resources.ts";
import type { Logger } from "../lib/log.ts";
import { Reflector, restListWatch } from "../lib/watch.ts";
import type { NodeFacts } from "./domain/mod.ts";
import type { AgentConfig } from "./flags.ts";
import { runImport } from "./import/mod.ts";
import { libvirtSupportsKvm } from "./kvm.ts";
import { type LibvirtConnection, openLibvirt } from "./libvirt/mod.ts";
import { readHostInfo } from "./node/host.ts";
import { byCreator, LauncherPodReporter } from "./node/pods.ts";
import { NodeRegistration, publishEndpoint } from "./node/registration.ts";
import { type LifecycleContext, pauseVmi, unpauseVmi } from "./reconcile/lifecycle.ts";
import { VmiLoop } from "./reconcile/loop.ts";
import { vmisUsingClaim } from "./storage/claim_users.ts";
import { type ImportRunner, LocalStorage } from "./storage/mod.ts";
import type { VolumeContext } from "./volumes/mod.ts";

/** A running agent: its readiness, and the calls the node-level APIs make. */
export interface RunningAgent {
  /** Why the agent is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  pause(namespace: string, name: string): Promise<void>;
  unpause(namespace: string, name: string): Promise<void>;
  /** The VMI if it is bound to this node, from the agent's cache. */
  vmiOf(namespace: string, name: string): VMI | undefined;
  /** The facts the domain was rendered with, once the agent is connected. */
  nodeFacts(): NodeFacts | undefined;
  /** Resolves once every loop stopped (after `stop` aborted). */
  done: Promise<void>;
}

/** What the agent may be given instead of its defaults (tests). */
export interface AgentParts {
  /** The import engine. */
  runImport?: ImportRunner;
}

/** Starts the agent's loops in the background; they stop when `stop` aborts. */
export function startAgent(
  config: AgentConfig,
  rest: RestClient,
  log: Logger,
  stop: AbortSignal,
  parts: AgentParts = {},
): RunningAgent {
  let libvirt: LibvirtConnection | undefined;
  let loop: VmiLoop | undefined;
  let podsReflector: Reflector<Pod> | undefined;
  let registration: NodeRegistration | undefined;
  let nodeFacts: NodeFacts | undefined;
  const lifecycle = (): LifecycleContext => {
    if (!loop || !libvirt) throw new Error("The agent is not connected to libvirt yet");
    const l = loop;
    return {
      node: config.nodeName,
      vmis: l.store,
      hypervisor: libvirt,
      enqueue: (k) => l.enqueue(k),
    };
  };

  const events = new RestEventRecorder({
    rest,
    component: "denovirt-agent",
    host: config.nodeName,
    log,
  });
  // Storage does not need libvirt: volumes are provisioned and imported while it is down.
  const storage = new LocalStorage({
    rest,
    node: config.nodeName,
    dataDir: config.dataDir,
    capacityBytes: config.localStorageCapacityBytes,
    runImport: parts.runImport ?? runImport,
    events,
    log: log.with({ part: "storage" }),
    onClaimReady(namespace, name) {
      const l = loop;
      const users = l
        ? vmisUsingClaim(l.store.byIndex("byNamespace", namespace), namespace, name)
        : [];
      for (const vmi of users) l?.enqueue(keyOf(vmi));
    },
  });

  const vmis = (async () => {
    libvirt = await connect(config, log, stop);
    if (!libvirt) return;
    try {
      const kvm = config.kvm === "auto" ? await libvirtSupportsKvm(libvirt) : config.kvm;
      log.info("Virtualisation", { kvm, emulation: kvm ? "KVM" : "TCG (software emulation)" });
      const node: NodeFacts = { name: config.nodeName, kvm, runDir: config.runDir };
      nodeFacts = node;
      for (const dir of [config.dataDir, config.runDir, ...config.allowedHostDiskDirs]) {
        await Deno.mkdir(dir, { recursive: true });
      }
      podsReflector = new Reflector<Pod>({
        name: "pods",
        store: new Store<Pod>({ byCreator }),
        log,
        source: restListWatch(rest, pods, {
          labelSelector: LAUNCHER_SELECTOR,
          fieldSelector: `spec.nodeName=${config.nodeName}`,
        }),
      });
      loop = new VmiLoop({
        rest,
        hypervisor: libvirt,
        node,
        volumes: volumeContext(config, rest, storage),
        events,
        log,
        resyncMs: config.resyncSeconds * 1000,
        workers: config.workers,
        pods: podsReflector.store,
      });
      const l = loop;
      podsReflector.onChange((old, current) => {
        for (const pod of [old, current]) {
          const key = pod && l.keyOfPod(pod);
          if (key) l.enqueue(key);
        }
      });
      const running: Promise<void>[] = [];
      if (!config.registerNode) {
        const facts = { name: config.nodeName, address: config.nodeAddress, port: config.port };
        running.push(publishEndpoint(rest, facts, log, stop));
      }
      if (config.registerNode) {
        registration = new NodeRegistration(rest, {
          name: config.nodeName,
          host: await readHostInfo(),
          address: config.nodeAddress,
          port: config.port,
          taints: config.registerWithTaints,
        }, log);
        running.push(registration.run(stop));
        const reporter = new LauncherPodReporter({
          rest,
          node: config.nodeName,
          hostIP: config.nodeAddress,
          pods: podsReflector,
          vmis: { store: loop.store, reflector: loop.reflector },
          log,
        });
        running.push((async () => {
          await Promise.all([podsReflector!.synced(), l.reflector.synced()]);
          if (!stop.aborted) await reporter.run(stop);
        })());
      }
      podsReflector.start();
      running.push(loop.run(stop));
      await Promise.all(running);
      await podsReflector.stop();
    } finally {
      await libvirt.close();
      log.info("Agent stopped; domains keep running");
    }
  })();
  // Either failing fails the agent (the role then aborts `stop`, which ends the other).
  const done = Promise.all([vmis, storage.run(stop)]).then(() => {});

  return {
    notReadyReason() {
      if (!libvirt) return "libvirt is not connected";
      if (!loop || !podsReflector) return "starting";
      if (!loop.reflector.hasSynced || !podsReflector.hasSynced) return "caches are not synced";
      if (!loop.ready) return "libvirt does not answer";
      if (!storage.hasSynced) return "storage caches are not synced";
      if (registration && !registration.registered) return "the Node is not registered";
      return undefined;
    },
    pause: (namespace, name) => pauseVmi(lifecycle(), namespace, name),
    unpause: (namespace, name) => unpauseVmi(lifecycle(), namespace, name),
    vmiOf: (namespace, name) => {
      const vmi = loop?.store.get(`${namespace}/${name}`);
      return vmi?.status?.nodeName === config.nodeName ? vmi : undefined;
    },
    nodeFacts: () => nodeFacts,
    done,
  };
}

/** Opens libvirt, retrying while libvirtd is not up yet. */
async function connect(
  config: AgentConfig,
  log: Logger,
  stop: AbortSignal,
): Promise<LibvirtConnection | undefined> {
  let delay = 250;
  while (!stop.aborted) {
    try {
      const connection = await openLibvirt(config.libvirtUri);
      log.info("libvirt connected", { uri: config.libvirtUri });
      return connection;
    } catch (error) {
      log.warn("Cannot connect to libvirt; retrying", { error: messageOf(error), delayMs: delay });
      await sleep(delay, stop);
      delay = Math.min(delay * 2, 5_000);
    }
  }
  return undefined;
}

/** What volume preparation needs: the agent's directories, Secrets, and local claims. */
function volumeContext(
  config: AgentConfig,
  rest: RestClient,
  storage: Pick<LocalStorage, "resolveClaim">,
): VolumeContext {
  return {
    dataDir: config.dataDir,
    hostDiskRoots: config.allowedHostDiskDirs,
    async getSecret(namespace, name) {
      try {
        const secret = await rest.get<KubeObject & { data?: Record<string, string> }>(secrets, {
          namespace,
          name,
        });
        return secret.data ?? {};
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    resolveClaim: (namespace, claimName) => storage.resolveClaim(namespace, claimName),
  };
}
