/**
 * CNI network configuration read from a conf dir as a kubelet or containerd reads it, and the
 * file containerd's `conf_template` writes there when the dir holds none.
 */
import { join } from "node:path";
import { isCidr } from "./result.ts";

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

/** The file `ensureConfFromTemplate()` writes into the conf dir. */
export const TEMPLATE_CONF_FILE = "10-denovirt.conflist";

const CONF_EXTENSIONS = [".conf", ".conflist", ".json"];
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
/** Spec versions whose results this runtime reads: 0.3.0 (rich results) up to 1.x. */
const OLDEST_VERSION = "0.3.0";

/** What a conf dir holds: the network in use, and why each file before it was passed over. */
export interface ConfDirScan {
  network: CniNetwork | undefined;
  /** `<file>: <reason>` for each invalid file that sorts before the one in use. */
  skipped: string[];
}

/** The conf dir's files, sorted by name: the first valid one is the network, as kubelet does. */
export async function scanConfDir(confDir: string): Promise<ConfDirScan> {
  const skipped: string[] = [];
  for (const name of await confFilesIn(confDir)) {
    const file = join(confDir, name);
    try {
      const network = parseNetwork(await Deno.readTextFile(file), file);
      return { network, skipped };
    } catch (error) {
      skipped.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { network: undefined, skipped };
}

/** The network configured in `confDir`, or undefined when it holds no valid configuration. */
export async function loadNetwork(confDir: string): Promise<CniNetwork | undefined> {
  return (await scanConfDir(confDir)).network;
}

/** Why no network could be loaded, for conditions and logs. */
export function noNetworkMessage(confDir: string, skipped: string[]): string {
  const detail = skipped.length === 0 ? "" : `: ${skipped.join("; ")}`;
  return `No valid CNI network configuration in ${confDir}${detail}`;
}

/** Parses a configuration file's text by its extension; throws with the reason it is invalid. */
export function parseNetwork(text: string, file: string): CniNetwork {
  const json = parseJson(text);
  return file.endsWith(".conflist") ? confList(json, file) : singleConf(json, file);
}

/** Fills containerd's `{{.PodCIDR}}` into a config list template; throws if the result is not one. */
export function renderTemplate(text: string, values: { podCIDR: string }): string {
  if (!isCidr(values.podCIDR)) throw new Error(`Pod CIDR "${values.podCIDR}" is not a CIDR`);
  const rendered = text.replace(/\{\{\s*\.PodCIDR\s*\}\}/g, values.podCIDR);
  const unknown = rendered.match(/\{\{[^}]*\}\}/);
  if (unknown) throw new Error(`Unknown template field ${unknown[0]}: only {{.PodCIDR}} is filled`);
  try {
    confList(parseJson(rendered), "");
  } catch (error) {
    throw new Error(`The rendered template is not a CNI config list: ${(error as Error).message}`);
  }
  return rendered;
}

/**
 * Writes `<confDir>/10-denovirt.conflist` from the template when the dir holds no configuration
 * file at all (valid or not: an operator's file is never shadowed); true when it wrote one.
 */
export async function ensureConfFromTemplate(
  confDir: string,
  templateFile: string,
  podCIDR: string,
): Promise<boolean> {
  await Deno.mkdir(confDir, { recursive: true });
  if ((await confFilesIn(confDir)).length > 0) return false;
  let rendered: string;
  try {
    rendered = renderTemplate(await Deno.readTextFile(templateFile), { podCIDR });
  } catch (error) {
    throw new Error(`Cannot use CNI config template ${templateFile}: ${(error as Error).message}`);
  }
  // A reader sees the whole file or none: write aside, then rename (not a candidate name).
  const temp = join(confDir, `.${TEMPLATE_CONF_FILE}.${crypto.randomUUID()}.tmp`);
  try {
    await Deno.writeTextFile(temp, rendered, { mode: 0o644 });
    await Deno.rename(temp, join(confDir, TEMPLATE_CONF_FILE));
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  return true;
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

async function confFilesIn(confDir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(confDir)) {
      if (!CONF_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) continue;
      // A link to a dir is passed over like a dir; a dangling one is read, and reported.
      const info = entry.isSymlink
        ? await Deno.stat(join(confDir, entry.name)).catch(() => undefined)
        : entry;
      if (!info?.isDirectory) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`invalid JSON: ${(error as Error).message}`);
  }
}

function confList(json: unknown, file: string): CniNetwork {
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
