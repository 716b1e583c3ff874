/** `denovirt agent`: the node agent role (virt-handler's job, and the kubelet's where there is none). */
import { messageOf } from "../lib/errors.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { logger } from "../lib/log.ts";
import { onShutdown } from "../lib/shutdown.ts";
import { startAgent } from "./agent.ts";
import { serveNodeApi } from "./console/server.ts";
import type { VmiLike } from "./console/node_api.ts";
import { vmiRunPathsFor } from "./domain/mod.ts";
import { type AgentConfig, parseAgentFlags, USAGE } from "./flags.ts";
import { nodeLevelActions } from "./node_actions.ts";
import { probeHandler } from "./server.ts";
import { metricsRoute } from "../lib/metrics/http.ts";
import { sandboxesOf } from "./network/node_network.ts";
import { CREATED_BY_LABEL, DOMAIN_ANNOTATION, type Pod } from "../api/mod.ts";

/** The VMI a launcher pod holds, as far as its run paths need it (name, namespace, UID). */
function vmiOfLauncherPod(pod: Pod): VmiLike {
  return {
    metadata: {
      namespace: pod.metadata?.namespace,
      name: pod.metadata?.annotations?.[DOMAIN_ANNOTATION],
      uid: pod.metadata?.labels?.[CREATED_BY_LABEL],
    },
    spec: { domain: { devices: {} } },
  } as VmiLike;
}

/** Runs the agent until SIGTERM or SIGINT; answers the exit code. */
export async function agentRole(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let config: AgentConfig;
  try {
    config = parseAgentFlags(args);
  } catch (error) {
    console.error(`Error: ${messageOf(error)}\n\n${USAGE}`);
    return 2;
  }
  if (config.cleanup) return await releaseAllSandboxes(config);
  if (!config.clientCa) {
    console.error(
      `Error: --client-ca is required: the node API only answers the cluster's clients\n\n${USAGE}`,
    );
    return 2;
  }
  const log = logger({ component: "agent", node: config.nodeName });
  const shutdown = onShutdown({ log });
  const rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: config.kubeconfig }));
  const agent = startAgent(config, rest, log, shutdown.signal);
  // Only the run directory names a VMI's sockets: a console may attach before libvirt is probed.
  const runPathsOf = (vmi: VmiLike) =>
    vmiRunPathsFor(vmi as Parameters<typeof vmiRunPathsFor>[0], { runDir: config.runDir });
  // node:https rather than Deno.serve: only it can verify the callers' client certificates.
  const server = await serveNodeApi({
    hostname: config.bindAddress,
    port: config.port,
    cert: await Deno.readTextFile(config.tlsCert),
    key: await Deno.readTextFile(config.tlsKey),
    clientCa: await Deno.readTextFile(config.clientCa),
    fallback: probeHandler(() => agent.notReadyReason(), [
      metricsRoute(
        agent.metrics,
        (error) => log.warn("A metrics collector failed", { error: messageOf(error) }),
      ),
    ]),
    vmiOf: (namespace, name) => agent.vmiOf(namespace, name) as VmiLike | undefined,
    serialSocketOf: (vmi) => runPathsOf(vmi).serialSocket,
    vncSocketOf: (vmi) => runPathsOf(vmi).vncSocket,
    domains: nodeLevelActions(agent),
    // Where no kubelet runs, the agent answers kube-apiserver's `pods/log` for its pods.
    ...(config.registerNode
      ? {
        containerLogs: {
          podOf: (namespace: string, name: string) => agent.launcherPodOf(namespace, name),
          serialLogOf: (pod: Pod) => runPathsOf(vmiOfLauncherPod(pod)).serialLog,
        },
      }
      : {}),
    signal: shutdown.signal,
    log,
  });
  log.info("Agent serving", { address: `${config.bindAddress}:${config.port}` });
  let failed = false;
  await agent.done.catch((error) => {
    failed = true;
    log.error("Agent failed", { error: messageOf(error) });
    shutdown.trigger("failure");
  });
  await shutdown.done;
  await server.finished;
  rest.close();
  shutdown.dispose();
  return failed ? 1 : 0;
}

/** `--cleanup`: releases every pod network sandbox this agent recorded (the stack's `down`). */
async function releaseAllSandboxes(config: AgentConfig): Promise<number> {
  const log = logger({ component: "agent", node: config.nodeName });
  const sandboxes = sandboxesOf(config, () => Promise.resolve(undefined));
  let failed = 0;
  for (const record of await sandboxes.recorded()) {
    try {
      await sandboxes.release(record.podUid);
      log.info("Pod network sandbox released", {
        pod: `${record.namespace}/${record.name}`,
        uid: record.podUid,
      });
    } catch (error) {
      failed++;
      log.error("Cannot release a pod network sandbox", {
        uid: record.podUid,
        error: messageOf(error),
      });
    }
  }
  return failed > 0 ? 1 : 0;
}
