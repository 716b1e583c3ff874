/**
 * An OCI registry on a loopback port: Debian's `docker-registry` (CNCF distribution) with its own
 * config and storage directory, run as a daemon of the stack (pid file, log) and stopped by name.
 */
import { join } from "node:path";
import { runChecked } from "../lib/exec.ts";
import type { Component } from "./components.ts";
import { type DaemonSpec, logFile, runningPid, startDaemon, stopDaemon } from "./daemon.ts";
import type { StackPaths } from "./paths.ts";
import { waitUntil } from "./readiness.ts";
import { type RegistryConfigOptions, registryConfigYaml } from "./registry_config.ts";

export const REGISTRY_BINARY = "/usr/bin/docker-registry";

export interface RegistryOptions extends Omit<RegistryConfigOptions, "storageDir"> {
  /** Holds `config.yml` and the blobs and manifests under `storage/`. */
  dir: string;
  /** The PEM CA that signed the TLS certificate, to check readiness over HTTPS. */
  caFile?: string;
}

/** A running registry as clients name it. */
export interface RegistryEndpoint {
  port: number;
  /** `127.0.0.1:<port>`, the host part of image references. */
  host: string;
  /** `http://127.0.0.1:<port>` or `https://...`. */
  url: string;
}

/** The files of a registry directory. */
export function registryFiles(dir: string) {
  return { config: join(dir, "config.yml"), storage: join(dir, "storage") };
}

/** Where a registry with these options answers. */
export function registryEndpoint(options: Pick<RegistryOptions, "port" | "tls">): RegistryEndpoint {
  const host = `127.0.0.1:${options.port}`;
  return { port: options.port, host, url: `${options.tls ? "https" : "http"}://${host}` };
}

/** The daemon that serves a registry directory's config. */
export function registrySpec(name: string, dir: string): DaemonSpec {
  return { name, command: REGISTRY_BINARY, args: ["serve", registryFiles(dir).config] };
}

/** Write the config file and make the storage directory. */
export async function writeRegistryFiles(options: RegistryOptions): Promise<void> {
  const files = registryFiles(options.dir);
  await Deno.mkdir(files.storage, { recursive: true });
  const secret = options.secret ?? crypto.randomUUID();
  const yaml = registryConfigYaml({ ...options, secret, storageDir: files.storage });
  await Deno.writeTextFile(files.config, yaml, { mode: 0o600 });
}

/** Whether the registry answers the API version check `GET /v2/` (200, or 401 when it wants auth). */
export async function registryAnswers(url: string, client?: Deno.HttpClient): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v2/`, { client, signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  }
}

/** The registry as a component of the stack: `up` starts it when it is not running. */
export function registryComponent(name: string, options: RegistryOptions): Component {
  return {
    spec: registrySpec(name, options.dir),
    ready: () => readyCheck(options),
    timeoutMs: 30_000,
  };
}

/** Write the files, start the registry and wait until it answers; stops it again if it does not. */
export async function startRegistry(
  paths: StackPaths,
  name: string,
  options: RegistryOptions,
): Promise<RegistryEndpoint> {
  await writeRegistryFiles(options);
  await startDaemon(paths, registrySpec(name, options.dir));
  try {
    await waitUntil(() => readyCheck(options), {
      what: `registry ${name}`,
      timeoutMs: 30_000,
      logFile: logFile(paths, name),
      stillAlive: async () => (await runningPid(paths, name)) !== undefined,
    });
  } catch (error) {
    await stopDaemon(paths, name);
    throw error;
  }
  return registryEndpoint(options);
}

/** Stop a registry started under this name; true when one was running. */
export function stopRegistry(paths: StackPaths, name: string): Promise<boolean> {
  return stopDaemon(paths, name);
}

/** Write an htpasswd file with one bcrypt entry (`htpasswd -Bbn`, from apache2-utils). */
export async function writeHtpasswd(file: string, user: string, password: string): Promise<void> {
  const line = await runChecked("htpasswd", ["-Bbn", user, password]);
  await Deno.writeTextFile(file, line.trim() + "\n", { mode: 0o600 });
}

async function readyCheck(options: RegistryOptions): Promise<boolean> {
  const client = options.caFile
    ? Deno.createHttpClient({ caCerts: [await Deno.readTextFile(options.caFile)] })
    : undefined;
  try {
    return await registryAnswers(registryEndpoint(options).url, client);
  } finally {
    client?.close();
  }
}
