/**
 * The roles run from the bundle, one file, as they ship: a process that loads it holds ~10 MiB
 * less than one that loads the source tree's ~900 modules, and it is the artifact tests run.
 */
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const ROOT = fromFileUrl(new URL("..", import.meta.url));

/** Writes `dist/denovirt.js` from this checkout's main.ts; answers its path. */
export async function bundleCheckout(): Promise<string> {
  const out = join(ROOT, "dist", "denovirt.js");
  const bundled = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", "-o", out, "main.ts"],
    cwd: ROOT,
    env: { DENO_NO_UPDATE_CHECK: "1" },
  }).output();
  if (!bundled.success) {
    throw new Error(`Cannot bundle the roles: ${new TextDecoder().decode(bundled.stderr).trim()}`);
  }
  return out;
}

/**
 * Makes the roles this process starts run from a bundle: `$DENOVIRT_ENTRY` when set, this file
 * when it is itself the bundle, else a fresh bundle of this checkout (set as `$DENOVIRT_ENTRY`).
 */
export async function useRoleBundle(say: (line: string) => void): Promise<string> {
  const set = Deno.env.get("DENOVIRT_ENTRY");
  if (set) return set;
  const self = fromFileUrl(import.meta.url);
  const entry = self.endsWith(".js") ? self : await bundleCheckout();
  Deno.env.set("DENOVIRT_ENTRY", entry);
  say(`Roles run from ${entry}`);
  return entry;
}
