/**
 * Kubeconfig loading the way kubectl does it (an explicit path, else `$KUBECONFIG`, else
 * `~/.kube/config`, else the in-cluster service account), without loading client-node:
 * importing it costs a role about 75 MiB of memory.
 */
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";
import type { KubeConfigLike } from "./transport.ts";

export interface KubeconfigChoice {
  kubeconfig?: string;
  context?: string;
}

type Cluster = NonNullable<ReturnType<KubeConfigLike["getCurrentCluster"]>>;
type User = NonNullable<ReturnType<KubeConfigLike["getCurrentUser"]>>;

interface RawKubeconfig {
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  "current-context"?: string;
}

/** A loaded kubeconfig: its current context's cluster, user and namespace. */
export interface LoadedKubeconfig extends KubeConfigLike {
  namespace: string;
}

const IN_CLUSTER = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Load the kubeconfig a command was told to use. */
export function loadKubeConfig(choice: KubeconfigChoice = {}): LoadedKubeconfig {
  const files = choice.kubeconfig
    ? [choice.kubeconfig]
    : (Deno.env.get("KUBECONFIG") ?? "").split(":").filter((f) => f);
  if (files.length === 0) {
    const home = join(Deno.env.get("HOME") ?? "/root", ".kube", "config");
    if (exists(home)) files.push(home);
    else if (Deno.env.get("KUBERNETES_SERVICE_HOST")) return inCluster();
    else throw new Error("Cannot find a kubeconfig: set --kubeconfig or $KUBECONFIG");
  }
  return fromFiles(files, choice.context);
}

/** Merge kubeconfig files as kubectl does: the first file to define a name wins. */
export function fromFiles(files: string[], context?: string): LoadedKubeconfig {
  const merged: Required<RawKubeconfig> = {
    clusters: [],
    users: [],
    contexts: [],
    "current-context": "",
  };
  for (const file of files) {
    if (!exists(file)) continue;
    const raw = (parse(Deno.readTextFileSync(file)) ?? {}) as RawKubeconfig;
    const base = dirname(file);
    for (const c of raw.clusters ?? []) {
      if (!merged.clusters.some((m) => m.name === c.name)) {
        merged.clusters.push({ name: c.name, cluster: resolvePaths(c.cluster, base) });
      }
    }
    for (const u of raw.users ?? []) {
      if (!merged.users.some((m) => m.name === u.name)) {
        merged.users.push({ name: u.name, user: resolvePaths(u.user ?? {}, base) });
      }
    }
    for (const c of raw.contexts ?? []) {
      if (!merged.contexts.some((m) => m.name === c.name)) merged.contexts.push(c);
    }
    merged["current-context"] ||= raw["current-context"] ?? "";
  }
  return fromRaw(merged, context ?? merged["current-context"], files.join(":"));
}

function fromRaw(
  raw: Required<RawKubeconfig>,
  contextName: string,
  source: string,
): LoadedKubeconfig {
  const context = raw.contexts.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`Cannot use kubeconfig ${source}: no context "${contextName}"`);
  const cluster = raw.clusters.find((c) => c.name === context.cluster)?.cluster;
  const user = raw.users.find((u) => u.name === context.user)?.user;
  return {
    namespace: context.namespace ?? "default",
    getCurrentContext: () => contextName,
    getCurrentCluster: () =>
      cluster
        ? {
          name: context.cluster,
          server: String(cluster.server ?? ""),
          caData: cluster["certificate-authority-data"] as string | undefined,
          caFile: cluster["certificate-authority"] as string | undefined,
          skipTLSVerify: cluster["insecure-skip-tls-verify"] === true,
        } as Cluster
        : null,
    getCurrentUser: () =>
      user
        ? {
          name: context.user,
          certData: user["client-certificate-data"],
          certFile: user["client-certificate"],
          keyData: user["client-key-data"],
          keyFile: user["client-key"],
          token: user.token ?? readToken(user.tokenFile as string | undefined),
          username: user.username,
          password: user.password,
          exec: user.exec,
        } as User
        : null,
  };
}

function inCluster(): LoadedKubeconfig {
  const host = Deno.env.get("KUBERNETES_SERVICE_HOST")!;
  const port = Deno.env.get("KUBERNETES_SERVICE_PORT") ?? "443";
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    namespace: Deno.readTextFileSync(`${IN_CLUSTER}/namespace`).trim(),
    getCurrentContext: () => "in-cluster",
    getCurrentCluster: () =>
      ({
        name: "in-cluster",
        server,
        caFile: `${IN_CLUSTER}/ca.crt`,
        skipTLSVerify: false,
      }) as Cluster,
    getCurrentUser: () =>
      ({
        name: "in-cluster",
        authProvider: { name: "tokenfile", config: { tokenFile: `${IN_CLUSTER}/token` } },
      }) as unknown as User,
  };
}

const PATH_KEYS = ["certificate-authority", "client-certificate", "client-key", "tokenFile"];

function resolvePaths(entry: Record<string, unknown>, base: string): Record<string, unknown> {
  const out = { ...entry };
  for (const key of PATH_KEYS) {
    const value = out[key];
    if (typeof value === "string" && value && !isAbsolute(value)) out[key] = join(base, value);
  }
  return out;
}

function readToken(file: string | undefined): string | undefined {
  return file ? Deno.readTextFileSync(file).trim() : undefined;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
