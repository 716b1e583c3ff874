/** `denovirt controllers`: every controller in one process, one leader at a time. */
import { parseArgs } from "node:util";
import { Manager } from "../lib/controller_manager.ts";
import { messageOf } from "../lib/errors.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { logger } from "../lib/log.ts";
import { onShutdown } from "../lib/shutdown.ts";
import { serveHealth } from "./health.ts";
import { Registry } from "../lib/metrics/registry.ts";
import { registerControllersMetrics } from "./metrics/controllers_metrics.ts";
import {
  CONTROLLER_NAMES,
  type ControllerName,
  controllersManagerOptions,
  DEFAULT_LAUNCHER_IMAGE,
} from "./mod.ts";
import { DEFAULT_CPU_ALLOCATION_RATIO } from "./vmi/resources.ts";

const USAGE = `Usage: denovirt controllers [flags]

  --kubeconfig=<file>          kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --context=<name>             kubeconfig context (default: the current one)
  --health-port=<port>         serve /healthz and /readyz on <port> (default: none)
  --health-bind-address=<ip>   address of the probes (default 127.0.0.1; 0.0.0.0 in a pod)
  --tls-cert=<file>            serve the probes and /metrics over HTTPS with this certificate
  --tls-key=<file>             ... and this key (both or neither; default plain HTTP)
  --leader-elect=<bool>        hold a Lease before reconciling (default true)
  --lease-namespace=<ns>       namespace of the Lease (default denovirt)
  --lease-name=<name>          name of the Lease (default denovirt-controllers)
  --lease-duration=<seconds>   how long a lease lasts without renewal (default 15)
  --identity=<id>              this replica in the Lease (default <hostname>_<pid>)
  --only=<names>               run only these controllers: ${CONTROLLER_NAMES.join(",")}
  --namespace=<ns>             watch one namespace only (default: all)
  --launcher-image=<image>     the launcher pods' holder image (default ${DEFAULT_LAUNCHER_IMAGE})
  --cpu-allocation-ratio=<n>   vCPUs per requested CPU (default ${DEFAULT_CPU_ALLOCATION_RATIO})`;

/** Parsed flags of the role. */
export interface ControllersFlags {
  kubeconfig?: string;
  context?: string;
  healthPort?: number;
  healthBindAddress: string;
  /** Serving certificate and key files of the health port (HTTPS); both or neither. */
  tlsCert?: string;
  tlsKey?: string;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  leaseDurationSeconds: number;
  identity: string;
  only: ControllerName[];
  namespace?: string;
  launcherImage: string;
  cpuAllocationRatio: number;
}

/** Parse the role's flags; throws an Error with a message naming the bad flag. */
export function parseControllersFlags(args: string[]): ControllersFlags | "help" {
  // `--leader-elect` alone means true, as with Kubernetes' own components.
  const normalized = args.map((a) => a === "--leader-elect" ? "--leader-elect=true" : a);
  const { values } = parseArgs({
    args: normalized,
    options: {
      kubeconfig: { type: "string" },
      context: { type: "string" },
      "health-port": { type: "string" },
      "health-bind-address": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "leader-elect": { type: "string" },
      "lease-namespace": { type: "string" },
      "lease-name": { type: "string" },
      "lease-duration": { type: "string" },
      identity: { type: "string" },
      only: { type: "string" },
      namespace: { type: "string" },
      "launcher-image": { type: "string" },
      "cpu-allocation-ratio": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const int = (flag: string, value: string | undefined, min: number, max: number) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(
        `--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return n;
  };
  const leaderElect = values["leader-elect"] ?? "true";
  if (leaderElect !== "true" && leaderElect !== "false") {
    throw new Error(`--leader-elect must be true or false, got ${JSON.stringify(leaderElect)}`);
  }
  const only = (values.only ?? CONTROLLER_NAMES.join(",")).split(",").map((s) => s.trim())
    .filter((s) => s);
  const unknown = only.filter((n) => !(CONTROLLER_NAMES as readonly string[]).includes(n));
  if (unknown.length || only.length === 0) {
    throw new Error(
      `--only takes ${CONTROLLER_NAMES.join(", ")}; got ${JSON.stringify(values.only)}`,
    );
  }
  const healthPort = int("health-port", values["health-port"], 1, 65535);
  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined)) {
    throw new Error("--tls-cert and --tls-key go together: give both or neither");
  }
  return {
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context ? { context: values.context } : {}),
    ...(healthPort !== undefined ? { healthPort } : {}),
    healthBindAddress: values["health-bind-address"] ?? "127.0.0.1",
    ...(values["tls-cert"] ? { tlsCert: values["tls-cert"], tlsKey: values["tls-key"]! } : {}),
    leaderElect: leaderElect === "true",
    leaseNamespace: values["lease-namespace"] ?? "denovirt",
    leaseName: values["lease-name"] ?? "denovirt-controllers",
    leaseDurationSeconds: int("lease-duration", values["lease-duration"], 2, 3600) ?? 15,
    identity: values.identity ?? `${Deno.hostname()}_${Deno.pid}`,
    only: only as ControllerName[],
    ...(values.namespace ? { namespace: values.namespace } : {}),
    launcherImage: values["launcher-image"] ?? DEFAULT_LAUNCHER_IMAGE,
    cpuAllocationRatio: int("cpu-allocation-ratio", values["cpu-allocation-ratio"], 1, 1000) ??
      DEFAULT_CPU_ALLOCATION_RATIO,
  };
}

/** Runs the controllers role until SIGINT or SIGTERM; returns the exit code. */
export async function controllersRole(args: string[]): Promise<number> {
  let flags: ControllersFlags | "help";
  try {
    flags = parseControllersFlags(args);
  } catch (error) {
    console.error(`${messageOf(error)}\n\n${USAGE}`);
    return 2;
  }
  if (flags === "help") {
    console.log(USAGE);
    return 0;
  }
  const log = logger({ component: "controllers", identity: flags.identity });
  const rest = RestClient.fromKubeConfig(
    loadKubeConfig({
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
      ...(flags.context ? { context: flags.context } : {}),
    }),
  );
  const shutdown = onShutdown({ log });
  try {
    const metrics = new Registry();
    const manager = new Manager({
      metrics,
      rest,
      component: "denovirt-controllers",
      log,
      ...(flags.namespace ? { namespace: flags.namespace } : {}),
      ...controllersManagerOptions(flags.only, {
        launcher: { image: flags.launcherImage, cpuAllocationRatio: flags.cpuAllocationRatio },
      }),
      ...(flags.leaderElect
        ? {
          leaderElection: {
            namespace: flags.leaseNamespace,
            name: flags.leaseName,
            identity: flags.identity,
            leaseDurationSeconds: flags.leaseDurationSeconds,
          },
        }
        : {}),
    });
    registerControllersMetrics(metrics, manager);
    const tls = flags.tlsCert && flags.tlsKey
      ? { cert: await Deno.readTextFile(flags.tlsCert), key: await Deno.readTextFile(flags.tlsKey) }
      : undefined;
    const health = flags.healthPort === undefined ? undefined : await serveHealth({
      port: flags.healthPort,
      hostname: flags.healthBindAddress,
      ...(tls ? { tls } : {}),
      signal: shutdown.signal,
      log,
    }, {
      ready: () => manager.hasSynced,
      metrics,
    });
    log.info("Controllers starting", { only: flags.only, leaderElect: flags.leaderElect });
    // Returns once the signal came, in-flight reconciles finished and the Lease was released.
    await manager.run(shutdown.signal);
    await health?.finished;
    return 0;
  } finally {
    shutdown.dispose();
    rest.close();
  }
}
