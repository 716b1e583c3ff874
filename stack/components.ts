/** The control-plane components in start order, each with its readiness check. */
import {
  apiserverSpec,
  apiserverUrl,
  controllerManagerSpec,
  etcdSpec,
  schedulerSpec,
} from "./control_plane.ts";
import type { DaemonSpec } from "./daemon.ts";
import type { KubeBinaries } from "./kube_binaries.ts";
import type { StackPaths } from "./paths.ts";
import { pkiFiles } from "./pki.ts";
import type { StackPorts } from "./ports.ts";
import { answersOk, httpsClient } from "./readiness.ts";

export interface Component {
  spec: DaemonSpec;
  ready: () => Promise<boolean>;
  /** Runs before each start (e.g. writes the component's config file). */
  prepare?: () => Promise<void>;
  /** How long a cold start may take before it counts as failed. */
  timeoutMs: number;
}

/** etcd, kube-apiserver, kube-controller-manager and kube-scheduler, in the order they start. */
export async function controlPlaneComponents(
  paths: StackPaths,
  ports: StackPorts,
  bins: KubeBinaries,
): Promise<Component[]> {
  const pki = pkiFiles(paths.pki);
  const anonymous = await httpsClient({ caFile: pki.caCert });
  const admin = await httpsClient({
    caFile: pki.caCert,
    certFile: pki.cert("admin"),
    keyFile: pki.key("admin"),
  });
  const isOk = (body: string) => body.trim() === "ok";
  return [
    {
      spec: etcdSpec(paths, ports, bins),
      ready: () =>
        answersOk(
          `http://127.0.0.1:${ports.etcdClient}/health`,
          undefined,
          (b) => b.includes('"true"'),
        ),
      timeoutMs: 30_000,
    },
    {
      spec: apiserverSpec(paths, ports, bins),
      ready: () => answersOk(`${apiserverUrl(ports)}/readyz`, admin, isOk),
      timeoutMs: 90_000,
    },
    {
      spec: controllerManagerSpec(paths, ports, bins),
      ready: () =>
        answersOk(`https://127.0.0.1:${ports.controllerManager}/healthz`, anonymous, isOk),
      timeoutMs: 60_000,
    },
    {
      spec: schedulerSpec(paths, ports, bins),
      ready: () => answersOk(`https://127.0.0.1:${ports.scheduler}/healthz`, anonymous, isOk),
      timeoutMs: 60_000,
    },
  ];
}
