/**
 * The CNI network configuration format (spec 1.0, section 1): a config list, or a single plugin's
 * configuration (the format before 1.0) that becomes a list of one, as libcni reads them.
 */

/** One network: its plugins run in order on ADD and CHECK, in reverse on DEL. */
export interface CniNetwork {
  name: string;
  cniVersion: string;
  /** Plugin configuration objects, unchanged from the file (a `.conf` file is its only plugin). */
  plugins: Record<string, unknown>[];
  /** The file it was read from; empty for a network the runtime builds in (the loopback). */
  file: string;
  /** The spec's `disableCheck`: a runtime must not CHECK this network. */
  disableCheck?: boolean;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
/** Spec versions whose results this runtime reads: 0.3.0 (rich results) up to 1.x. */
const OLDEST_VERSION = "0.3.0";

/** Parses a configuration file's text by its extension; throws with the reason it is invalid. */
export function parseNetwork(text: string, file: string): CniNetwork {
  const json = parseJson(text);
  return file.endsWith(".conflist") ? parseConfList(json, file) : singleConf(json, file);
}

/** Whether spec version `version` is at least `than` (both `x.y.z`). */
export function versionAtLeast(version: string, than: string): boolean {
  const a = VERSION.exec(version);
  const b = VERSION.exec(than);
  if (!a || !b) return false;
  for (const i of [1, 2, 3]) {
    const diff = Number(a[i]) - Number(b[i]);
    if (diff !== 0) return diff > 0;
  }
  return true;
}

/** Parses JSON; the error says it is not JSON, and where. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`invalid JSON: ${(error as Error).message}`);
  }
}

/** Reads a config list from parsed JSON; throws with the reason it is not one. */
export function parseConfList(json: unknown, file: string): CniNetwork {
  const top = object(json, "the configuration");
  const network: CniNetwork = {
    name: networkName(top.name),
    cniVersion: cniVersion(top.cniVersion),
    plugins: [],
    file,
  };
  if (!Array.isArray(top.plugins) || top.plugins.length === 0) {
    throw new Error("plugins must be a non-empty list");
  }
  network.plugins = top.plugins.map((plugin, i) => pluginConf(plugin, `plugins[${i}]`));
  const disableCheck = top.disableCheck;
  if (disableCheck !== undefined) {
    // libcni also takes the strings "true" and "false".
    const value = typeof disableCheck === "string" ? disableCheck.toLowerCase() : disableCheck;
    if (value !== true && value !== false && value !== "true" && value !== "false") {
      throw new Error(`disableCheck must be true or false, not ${JSON.stringify(disableCheck)}`);
    }
    network.disableCheck = value === true || value === "true";
  }
  return network;
}

function singleConf(json: unknown, file: string): CniNetwork {
  const plugin = pluginConf(json, "the configuration");
  return {
    name: networkName(plugin.name),
    cniVersion: cniVersion(plugin.cniVersion),
    plugins: [plugin],
    file,
  };
}

function pluginConf(value: unknown, at: string): Record<string, unknown> {
  const plugin = object(value, at);
  const type = plugin.type;
  if (typeof type !== "string" || type === "") throw new Error(`${at} has no type`);
  if (type.includes("/") || type === "." || type === "..") {
    throw new Error(`${at}.type "${type}" is not a file name`);
  }
  const capabilities = plugin.capabilities;
  if (capabilities !== undefined) object(capabilities, `${at}.capabilities`);
  return plugin;
}

function networkName(value: unknown): string {
  if (typeof value !== "string" || value === "") throw new Error("the network has no name");
  if (!NAME.test(value)) {
    throw new Error(
      `network name "${value}" must start with a letter or digit, then letters, digits, _ . -`,
    );
  }
  return value;
}

function cniVersion(value: unknown): string {
  if (typeof value !== "string" || !VERSION.test(value)) {
    throw new Error(`cniVersion must be a version such as "1.0.0", not ${JSON.stringify(value)}`);
  }
  if (!versionAtLeast(value, OLDEST_VERSION) || versionAtLeast(value, "2.0.0")) {
    throw new Error(`cniVersion ${value} is not supported (${OLDEST_VERSION} to 1.x are)`);
  }
  return value;
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${at} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}
