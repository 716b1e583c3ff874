/**
 * The ADD result of each attachment, kept on disk as libcni keeps it: DEL and CHECK must hand it
 * to the plugins as `prevResult`, also after the agent restarted.
 */
import { dirname, join } from "node:path";

/** One attachment's cache entry. */
export interface CacheEntry {
  kind: "cniCacheV1";
  networkName: string;
  containerId: string;
  ifName: string;
  /** CNI_ARGS of the ADD, as pairs. */
  cniArgs: [string, string][];
  /** The capability arguments of the ADD, for a DEL that has none at hand. */
  capabilityArgs: Record<string, unknown>;
  /** The final plugin's result, unchanged. */
  result: Record<string, unknown>;
}

/** `<cacheDir>/<network name>-<container id>-<ifname>.json`. */
export function cacheFile(
  cacheDir: string,
  networkName: string,
  containerId: string,
  ifName: string,
): string {
  for (const part of [networkName, containerId, ifName]) {
    // Each part is checked by its owner; this only keeps a bad one from leaving the dir.
    if (part === "" || part.includes("/") || part.startsWith(".")) {
      throw new Error(`Cannot name a CNI result cache entry after "${part}"`);
    }
  }
  return join(cacheDir, `${networkName}-${containerId}-${ifName}.json`);
}

/** The entry in `file`; undefined when there is none; throws when it is not an entry. */
export async function readCache(file: string): Promise<CacheEntry | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  let entry: Partial<CacheEntry>;
  try {
    entry = JSON.parse(text);
  } catch (error) {
    throw new Error(`CNI result cache ${file} is not JSON: ${(error as Error).message}`);
  }
  const result = entry?.result;
  if (
    entry?.kind !== "cniCacheV1" || typeof result !== "object" || result === null ||
    Array.isArray(result)
  ) {
    throw new Error(`CNI result cache ${file} holds no result`);
  }
  return {
    ...entry,
    cniArgs: Array.isArray(entry.cniArgs) ? entry.cniArgs : [],
    capabilityArgs: entry.capabilityArgs ?? {},
  } as CacheEntry;
}

/** Writes the entry whole or not at all (temp file, then rename). */
export async function writeCache(file: string, entry: CacheEntry): Promise<void> {
  await Deno.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temp, JSON.stringify(entry), { mode: 0o600 });
    await Deno.rename(temp, file);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Removes the entry; a missing one is already removed. */
export async function removeCache(file: string): Promise<void> {
  await Deno.remove(file).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
