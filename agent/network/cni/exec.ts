/**
 * Adding a pod to a CNI network, checking it and deleting it: the plugin chain run as the CNI spec
 * 1.0 (section 3) says and libcni does, with the ADD result cached for DEL and CHECK.
 */
import { type CacheEntry, cacheFile, readCache, removeCache, writeCache } from "./cache.ts";
import { type CniNetwork, versionAtLeast } from "./config.ts";
import { CniError, CniErrorCode, type CniErrorContext } from "./errors.ts";
import { invokePlugin } from "./invoke.ts";
import {
  checkRuntime,
  cniArgsOf,
  type CniExecOptions,
  type CniRuntime,
  pluginCallOf,
} from "./request.ts";
import { type CniResult, parseResult } from "./result.ts";

export type { CniExecOptions, CniRuntime, PortMapping } from "./request.ts";
export { CniError, CniErrorCode } from "./errors.ts";

/**
 * Runs ADD through the chain, each plugin given the previous one's result, and caches the final
 * result. After a failure the caller must still call `delNetwork()`, as the spec requires.
 */
export async function addNetwork(
  net: CniNetwork,
  runtime: CniRuntime,
  opts: CniExecOptions,
): Promise<CniResult> {
  checkRuntime(runtime, "ADD");
  let previous: Record<string, unknown> | undefined;
  for (const plugin of net.plugins) {
    const call = pluginCallOf("ADD", net, plugin, runtime, opts, previous);
    previous = resultOutput(call.context, await invokePlugin(call));
  }
  if (previous === undefined) throw new Error(`CNI network ${net.name} has no plugins`);
  const result = parseResult(previous);
  await writeCache(cacheFileOf(net, runtime, opts), {
    kind: "cniCacheV1",
    networkName: net.name,
    containerId: runtime.containerId,
    ifName: runtime.ifName,
    cniArgs: cniArgsOf(runtime),
    capabilityArgs: runtime.capabilityArgs ?? {},
    result: previous,
  });
  return result;
}

/**
 * Runs DEL through the chain in reverse, with the cached ADD result as `prevResult` (spec 0.4.0
 * and later), then forgets it. Deleting what was never added, or twice, succeeds: the plugins
 * tolerate missing resources, and a plugin that does not know the container (code 3) is done.
 */
export async function delNetwork(
  net: CniNetwork,
  runtime: CniRuntime,
  opts: CniExecOptions,
): Promise<void> {
  checkRuntime(runtime, "DEL");
  const file = cacheFileOf(net, runtime, opts);
  // An unreadable entry must not keep a pod's resources forever: DEL then goes without it.
  const cached = await readCache(file).catch(() => undefined);
  const withCapabilities = runtime.capabilityArgs || !cached ? runtime : {
    ...runtime,
    capabilityArgs: cached.capabilityArgs as CniRuntime["capabilityArgs"],
  };
  const previous = versionAtLeast(net.cniVersion, "0.4.0") ? cached?.result : undefined;
  for (const plugin of [...net.plugins].reverse()) {
    try {
      await invokePlugin(pluginCallOf("DEL", net, plugin, withCapabilities, opts, previous));
    } catch (error) {
      if (error instanceof CniError && error.code === CniErrorCode.UnknownContainer) continue;
      throw error;
    }
  }
  await removeCache(file);
}

/** Runs CHECK through the chain with the cached ADD result; throws the first plugin's error. */
export async function checkNetwork(
  net: CniNetwork,
  runtime: CniRuntime,
  opts: CniExecOptions,
): Promise<void> {
  checkRuntime(runtime, "CHECK");
  if (net.disableCheck) return;
  const pod = `${runtime.podNamespace}/${runtime.podName}`;
  if (!versionAtLeast(net.cniVersion, "0.4.0")) {
    throw new Error(
      `Cannot check network ${net.name} of pod ${pod}: cniVersion ${net.cniVersion} has no CHECK`,
    );
  }
  const cached = await readCache(cacheFileOf(net, runtime, opts));
  if (!cached) {
    throw new Error(
      `Cannot check network ${net.name} of pod ${pod}: ${runtime.ifName} was never added`,
    );
  }
  for (const plugin of net.plugins) {
    await invokePlugin(pluginCallOf("CHECK", net, plugin, runtime, opts, cached.result));
  }
}

/** The cached ADD result of an attachment, as `addNetwork()` answered it; undefined if none. */
export async function cachedResult(
  net: CniNetwork,
  runtime: Pick<CniRuntime, "containerId" | "ifName">,
  opts: Pick<CniExecOptions, "cacheDir">,
): Promise<CniResult | undefined> {
  const cached: CacheEntry | undefined = await readCache(cacheFileOf(net, runtime, opts));
  return cached && parseResult(cached.result);
}

function resultOutput(context: CniErrorContext, stdout: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
    parseResult(json);
  } catch (error) {
    const why = stdout.trim() === "" ? "no result on stdout" : (error as Error).message;
    throw new CniError(context, undefined, `invalid result: ${why}`);
  }
  return json as Record<string, unknown>;
}

function cacheFileOf(
  net: CniNetwork,
  runtime: Pick<CniRuntime, "containerId" | "ifName">,
  opts: Pick<CniExecOptions, "cacheDir">,
): string {
  return cacheFile(opts.cacheDir, net.name, runtime.containerId, runtime.ifName);
}
