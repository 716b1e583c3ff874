/**
 * The Deno binary the image carries: the one the npm registry package `deno` installs
 * (`@deno/linux-x64-glibc`), the same file `npx deno@<pinned>` runs, at the pinned version.
 */
import { dirname, join } from "node:path";

/** The npm package that holds the Linux x64 binary. */
export const DENO_NPM_PACKAGE = "@deno/linux-x64-glibc";

/** Candidate package directories: the running Deno's own, then every npx cache entry. */
export async function denoPackageDirs(home: string, execPath: string): Promise<string[]> {
  const dirs = [dirname(execPath)];
  const npx = join(home, ".npm", "_npx");
  try {
    const entries = [];
    for await (const entry of Deno.readDir(npx)) entries.push(entry.name);
    for (const name of entries.sort()) {
      dirs.push(join(npx, name, "node_modules", ...DENO_NPM_PACKAGE.split("/")));
    }
  } catch {
    // No npx cache: only the running binary can serve.
  }
  return dirs;
}

/** The path of the pinned Deno from its npm package; throws naming what to run when none is found. */
export async function findDenoBinary(version: string): Promise<string> {
  const home = Deno.env.get("HOME") ?? "/root";
  for (const dir of await denoPackageDirs(home, await Deno.realPath(Deno.execPath()))) {
    try {
      const pkg = JSON.parse(await Deno.readTextFile(join(dir, "package.json")));
      if (pkg.name === DENO_NPM_PACKAGE && pkg.version === version) {
        return await Deno.realPath(join(dir, "deno"));
      }
    } catch {
      // Not an npm package directory of Deno: try the next.
    }
  }
  throw new Error(
    `Cannot find Deno ${version} from the npm package ${DENO_NPM_PACKAGE}: ` +
      `run \`npx -y deno@${version} --version\` once to fetch it`,
  );
}
