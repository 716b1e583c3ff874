/**
 * CNI network configuration read from a conf dir as a kubelet or containerd reads it, and the
 * file containerd's `conf_template` writes there when the dir holds none.
 */
import { join } from "node:path";
import { type CniNetwork, parseConfList, parseJson, parseNetwork } from "./network_conf.ts";
import { isCidr } from "./result.ts";

export type { CniNetwork } from "./network_conf.ts";
export { parseNetwork, versionAtLeast } from "./network_conf.ts";

/** The file `ensureConfFromTemplate()` writes into the conf dir. */
export const TEMPLATE_CONF_FILE = "10-denovirt.conflist";

const CONF_EXTENSIONS = [".conf", ".conflist", ".json"];

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

/** Fills containerd's `{{.PodCIDR}}` into a config list template; throws if the result is not one. */
export function renderTemplate(text: string, values: { podCIDR: string }): string {
  if (!isCidr(values.podCIDR)) throw new Error(`Pod CIDR "${values.podCIDR}" is not a CIDR`);
  const rendered = text.replace(/\{\{\s*\.PodCIDR\s*\}\}/g, values.podCIDR);
  const unknown = rendered.match(/\{\{[^}]*\}\}/);
  if (unknown) throw new Error(`Unknown template field ${unknown[0]}: only {{.PodCIDR}} is filled`);
  try {
    parseConfList(parseJson(rendered), "");
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
