// `denovirt webhooks`: the admission webhooks of the kubevirt.io and cdi.kubevirt.io kinds.
import denoJson from "../deno.json" with { type: "json" };
import { parseArgs } from "node:util";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { messageOf } from "../lib/errors.ts";
import { logger } from "../lib/log.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { apiServerEvictionLookups, apiServerLookups, lookupsReadiness } from "./lookups.ts";
import { serveWebhooks } from "./server.ts";
import { serveSubresources } from "../subresources/server.ts";
import { sessionMetrics } from "../subresources/metrics.ts";
import { Registry } from "../lib/metrics/registry.ts";
import { versionInfoFamily } from "../lib/metrics/version_info.ts";
import { RestEventRecorder } from "../lib/events.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { PolicyCache } from "./policy/cache.ts";

const USAGE = `Usage: denovirt webhooks --port=<port> --tls-cert=<file> --tls-key=<file> [flags]

  --kubeconfig=<file>            kubeconfig for the lookups (default: $KUBECONFIG, ~/.kube/config)
  --port=<port>                  HTTPS port of the admission webhooks (on 127.0.0.1)
  --bind-address=<ip>            address to listen on (default 127.0.0.1)
  --tls-cert=<file>, --tls-key=<file>  serving certificate and key
  --allowed-hostdisk-dir=<dir>   allow hostDisk volumes under <dir> (repeatable; default: none)
  --client-ca, --front-proxy-ca, --subresources-port  for the subresource API
  --agent-client-cert=<file>, --agent-client-key=<file>  the certificate presented to the node
                                 agents (default: the kubeconfig's client certificate)`;

/** Runs the webhooks role until SIGINT or SIGTERM; returns the exit code. */
export async function webhooksRole(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        kubeconfig: { type: "string" },
        port: { type: "string" },
        "bind-address": { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "client-ca": { type: "string" },
        "front-proxy-ca": { type: "string" },
        "subresources-port": { type: "string" },
        "agent-client-cert": { type: "string" },
        "agent-client-key": { type: "string" },
        "allowed-hostdisk-dir": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${messageOf(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (
    !Number.isInteger(port) || port < 1 || port > 65535 || !values["tls-cert"] || !values["tls-key"]
  ) {
    console.error(`The webhooks need --port, --tls-cert and --tls-key\n\n${USAGE}`);
    return 2;
  }
  const dirs = values["allowed-hostdisk-dir"] ?? [];
  const relative = dirs.find((dir) => !dir.startsWith("/"));
  if (relative !== undefined) {
    console.error(
      `--allowed-hostdisk-dir must be an absolute directory, got ${JSON.stringify(relative)}`,
    );
    return 2;
  }
  const log = logger({ component: "webhooks" });
  const kubeconfig = loadKubeConfig({ kubeconfig: values.kubeconfig });
  const kube = RestClient.fromKubeConfig(kubeconfig);
  const policies = new PolicyCache(kube, log);
  const events = new RestEventRecorder({ rest: kube, component: "denovirt-webhooks", log });
  const lookups = {
    ...apiServerLookups(kube),
    policiesFor: (namespace: string) => policies.policiesFor(namespace),
    // Audit mode: the admitted object gets an Event per finding (fire and forget).
    auditPolicies: (object: unknown, findings: readonly string[]) => {
      for (const finding of findings) {
        events.warning(object as KubeObject, "PolicyViolation", finding);
      }
    },
  };
  policies.start();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  // One registry for the role: admission latency and the subresources' sessions, on /metrics.
  const metrics = new Registry();
  metrics.collect(() => [versionInfoFamily(denoJson.version)]);
  try {
    const server = await serveWebhooks({
      metrics,
      port,
      hostname: values["bind-address"] ?? "127.0.0.1",
      certFile: values["tls-cert"],
      keyFile: values["tls-key"],
      lookups,
      evictions: apiServerEvictionLookups(kube),
      readiness: [lookupsReadiness(kube), policies.readiness],
      allowedHostDiskDirs: dirs,
      signal: stop.signal,
      log,
    });
    log.info("Webhooks started", { allowedHostDiskDirs: dirs });
    const subresources = values["subresources-port"]
      ? await serveSubresources({
        port: Number(values["subresources-port"]),
        hostname: values["bind-address"] ?? "127.0.0.1",
        certFile: values["tls-cert"],
        keyFile: values["tls-key"],
        frontProxyCaFile: values["front-proxy-ca"] ?? "",
        clientCaFile: values["client-ca"] ?? "",
        kubeconfig,
        agentClientCertFile: values["agent-client-cert"],
        agentClientKeyFile: values["agent-client-key"],
        metrics: sessionMetrics(metrics),
        signal: stop.signal,
      })
      : undefined;
    await Promise.all([server.finished, subresources?.finished]);
    log.info("Webhooks stopped");
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await policies.stop();
    kube.close();
  }
}
