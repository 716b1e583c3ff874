/** Apply manifests to the stack's API server with server-side apply, filling in placeholders. */
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";

const FIELD_MANAGER = "denovirt-up";

/** A manifest object, as much of it as applying needs to know. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** Where and how to reach the API server as an administrator. */
export interface ApiAccess {
  server: string;
  client: Deno.HttpClient;
}

/** Placeholders in manifests, as `${NAME}`, replaced before applying. */
export type ManifestValues = Record<string, string>;

/** Every YAML file under `dir`, sorted so that numbered prefixes order them. */
export async function manifestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  try {
    await Deno.stat(dir);
  } catch {
    return found;
  }
  const walk = async (current: string) => {
    for await (const entry of Deno.readDir(current)) {
      const path = join(current, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (/\.ya?ml$/.test(entry.name)) found.push(path);
    }
  };
  await walk(dir);
  return found.sort((a, b) => relative(dir, a).localeCompare(relative(dir, b)));
}

/** The objects of a manifest text, with placeholders filled in; an unknown placeholder is an error. */
export function objectsOf(text: string, values: ManifestValues, source: string): ManifestObject[] {
  const filled = text.replace(/\$\{([A-Z_]+)\}/g, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`Cannot fill ${source}: no value for \${${name}}`);
    return value;
  });
  return parseAllDocuments(filled)
    .map((document) => {
      if (document.errors.length > 0) {
        throw new Error(`Cannot parse ${source}: ${document.errors[0]!.message}`);
      }
      return document.toJS() as unknown;
    })
    .filter((o): o is ManifestObject => o !== null && typeof o === "object");
}

/**
 * Server-side apply every object of the given files, in order; returns how many were applied.
 * An object that a later file defines again is applied once, as the later file has it.
 */
export async function applyFiles(access: ApiAccess, files: string[], values: ManifestValues) {
  const discovery = new Discovery(access);
  const all: SourcedObject[] = [];
  for (const file of files) {
    for (const object of objectsOf(await Deno.readTextFile(file), values, file)) {
      all.push({ object, file });
    }
  }
  const effective = withoutReplaced(all);
  for (const { object, file } of effective) await applyObject(access, discovery, object, file);
  return effective.length;
}

/** An object and the file it came from. */
export interface SourcedObject {
  object: ManifestObject;
  file: string;
}

/**
 * The objects without those that a later one of the same kind, namespace and name replaces: so
 * `manifests/local/` can give an object of `manifests/base/` the local stack's values, and the
 * object never holds the base values in between.
 */
export function withoutReplaced(items: SourcedObject[]): SourcedObject[] {
  const key = ({ object }: SourcedObject) =>
    `${object.apiVersion}/${object.kind}/${
      object.metadata.namespace ?? ""
    }/${object.metadata.name}`;
  const last = new Map(items.map((item, index) => [key(item), index]));
  return items.filter((item, index) => last.get(key(item)) === index);
}

async function applyObject(
  access: ApiAccess,
  discovery: Discovery,
  object: ManifestObject,
  file: string,
) {
  const name = `${object.kind}/${object.metadata.name}`;
  const resource = await discovery.resourceFor(object.apiVersion, object.kind);
  if (!resource) {
    throw new Error(`Cannot apply ${name} from ${file}: the API server has no such kind`);
  }
  const base = object.apiVersion.includes("/")
    ? `/apis/${object.apiVersion}`
    : `/api/${object.apiVersion}`;
  const scope = resource.namespaced ? `/namespaces/${object.metadata.namespace ?? "default"}` : "";
  const url = `${access.server}${base}${scope}/${resource.plural}/${object.metadata.name}` +
    `?fieldManager=${FIELD_MANAGER}&force=true`;
  const response = await fetch(url, {
    method: "PATCH",
    client: access.client,
    headers: { "Content-Type": "application/apply-patch+yaml" },
    body: JSON.stringify(object),
  });
  const body = await response.text();
  if (!response.ok) {
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      // Not a Status object; keep the raw text.
    }
    throw new Error(`Cannot apply ${name} from ${file}: ${message}`);
  }
}

/** Kind -> resource lookups through the API server's discovery documents, cached per group version. */
class Discovery {
  #byGroupVersion = new Map<string, Map<string, { plural: string; namespaced: boolean }>>();
  constructor(private readonly access: ApiAccess) {}

  async resourceFor(apiVersion: string, kind: string) {
    if (!this.#byGroupVersion.has(apiVersion)) {
      const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const response = await fetch(`${this.access.server}${base}`, { client: this.access.client });
      const list = response.ok
        ? (await response.json()) as {
          resources: { name: string; kind: string; namespaced: boolean }[];
        }
        : (await response.body?.cancel(), { resources: [] });
      const kinds = new Map<string, { plural: string; namespaced: boolean }>();
      for (const r of list.resources) {
        if (!r.name.includes("/")) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
      }
      // A CRD applied a moment ago may not be served yet: do not cache an empty answer.
      if (kinds.size === 0) return undefined;
      this.#byGroupVersion.set(apiVersion, kinds);
    }
    return this.#byGroupVersion.get(apiVersion)!.get(kind);
  }
}
