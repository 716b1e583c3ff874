/**
 * The folders depend on each other one way: no import cycle between top-level folders, and the
 * shared folders (lib/, api/) import no role or tool. Read from the import lines of every file.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";

const ROOT = dirname(new URL(import.meta.url).pathname);
const SKIPPED = new Set(["node_modules", "dist", ".git"]);
/** What each shared folder may import besides itself. */
const SHARED: Record<string, string[]> = { lib: [], api: ["lib"] };

/** The relative specifiers of static, dynamic and side-effect imports and of re-exports. */
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

/** One import of a file in another top-level folder. */
interface Edge {
  from: string;
  to: string;
  file: string;
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    if (SKIPPED.has(entry.name) || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** The top-level folder of a path; a file at the root (main.ts, deno.json) stands for itself. */
const topFolderOf = (path: string) => relative(ROOT, path).split("/")[0]!;

/** Every import that crosses from one top-level folder into another. */
async function crossFolderImports(): Promise<Edge[]> {
  const edges: Edge[] = [];
  for await (const file of sourceFiles(ROOT)) {
    const from = topFolderOf(file);
    for (const [, specifier] of (await Deno.readTextFile(file)).matchAll(IMPORT)) {
      const to = topFolderOf(join(dirname(file), specifier!));
      if (to !== from) edges.push({ from, to, file: relative(ROOT, file) });
    }
  }
  return edges;
}

/** The first cycle among the folders, as `[a, b, ..., a]`, or undefined when there is none. */
export function folderCycle(edges: Pick<Edge, "from" | "to">[]): string[] | undefined {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) next.set(from, (next.get(from) ?? new Set()).add(to));
  const done = new Set<string>();
  const visit = (folder: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(folder);
    if (at >= 0) return [...path.slice(at), folder];
    if (done.has(folder)) return undefined;
    for (const to of next.get(folder) ?? []) {
      const cycle = visit(to, [...path, folder]);
      if (cycle) return cycle;
    }
    done.add(folder);
    return undefined;
  };
  for (const folder of next.keys()) {
    const cycle = visit(folder, []);
    if (cycle) return cycle;
  }
  return undefined;
}

Deno.test("folderCycle() finds a cycle through three folders and none in a tree", () => {
  const tree = [{ from: "cli", to: "stack" }, { from: "stack", to: "lib" }, {
    from: "cli",
    to: "lib",
  }];
  assert.equal(folderCycle(tree), undefined);
  assert.deepEqual(folderCycle([...tree, { from: "lib", to: "cli" }]), [
    "cli",
    "stack",
    "lib",
    "cli",
  ]);
});

Deno.test("the top-level folders import each other without a cycle", async () => {
  const edges = await crossFolderImports();
  const cycle = folderCycle(edges);
  const files = (cycle ?? []).slice(1).map((to, i) =>
    edges.filter((e) => e.from === cycle![i] && e.to === to).map((e) => `${e.file} -> ${to}/`)
  ).flat();
  assert.equal(cycle, undefined, `Import cycle ${cycle?.join(" -> ")}:\n${files.join("\n")}`);
});

Deno.test("lib/ and api/ import no role or tool", async () => {
  const wrong = (await crossFolderImports()).filter((e) =>
    e.from in SHARED && !SHARED[e.from]!.includes(e.to)
  );
  assert.deepEqual(wrong.map((e) => `${e.file} -> ${e.to}/`), []);
});
