/**
 * Path containment for host files a VMI names: no `..`, no absolute escapes, and no symlink that
 * leads out of the root (checked on the deepest part of the path that exists).
 */
import { isAbsolute, join, normalize, relative, sep } from "node:path";
import { TerminalError } from "../../lib/errors.ts";

/** A path that leaves the directory it must stay in. */
export class PathEscapeError extends TerminalError {
  override name = "PathEscapeError";
}

export interface InsideOptions {
  /** Accept the root itself (default: only paths strictly below it). */
  allowRoot?: boolean;
}

/** `relative` under `root`, resolved through symlinks; throws a PathEscapeError if it leaves. */
export async function safeJoin(
  root: string,
  rel: string,
  opts: InsideOptions = {},
): Promise<string> {
  if (isAbsolute(rel)) throw new PathEscapeError(`${JSON.stringify(rel)} must be a relative path`);
  if (rel.split("/").includes("..")) {
    throw new PathEscapeError(`${JSON.stringify(rel)} must not contain ".."`);
  }
  return await assertInside(root, join(normalize(root), rel), opts);
}

/**
 * Checks that the absolute `path` lies inside `root` and returns it with symlinks resolved (as
 * far as it exists), so callers hand on the path that was checked.
 */
export async function assertInside(
  root: string,
  path: string,
  opts: InsideOptions = {},
): Promise<string> {
  if (!isAbsolute(root)) {
    throw new Error(`The root ${JSON.stringify(root)} must be an absolute path`);
  }
  if (!isAbsolute(path)) {
    throw new PathEscapeError(`${JSON.stringify(path)} must be an absolute path`);
  }
  if (path.split("/").includes("..")) {
    throw new PathEscapeError(`${JSON.stringify(path)} must not contain ".."`);
  }
  const lexical = clean(path);
  if (!within(clean(root), lexical, opts)) {
    throw new PathEscapeError(`${path} is outside ${root}`);
  }
  const realRoot = await Deno.realPath(root).catch((error) => {
    throw new Error(`The directory ${root} cannot be resolved: ${error.message}`);
  });
  // Resolve the deepest existing ancestor; the parts below it do not exist, so cannot be links.
  const missing: string[] = [];
  let existing = lexical;
  let real: string | undefined;
  while (real === undefined) {
    try {
      real = await Deno.realPath(existing);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      // A dangling symlink resolves nowhere yet, but creating the file would follow it.
      if (await Deno.lstat(existing).then(() => true, () => false)) {
        throw new PathEscapeError(`${path} passes through the dangling symbolic link ${existing}`);
      }
      const parent = join(existing, "..");
      if (parent === existing) throw error;
      missing.unshift(existing.slice(parent.length).replace(/^\//, ""));
      existing = parent;
    }
  }
  const resolved = missing.length > 0 ? join(real, ...missing) : real;
  if (!within(realRoot, resolved, opts)) {
    throw new PathEscapeError(
      `${path} leads outside ${root} through a symbolic link (to ${resolved})`,
    );
  }
  return resolved;
}

/** Normalized, without trailing slashes (`/a/b/` names the same entry as `/a/b`). */
function clean(path: string): string {
  return normalize(path).replace(/(.)\/+$/, "$1");
}

function within(root: string, path: string, opts: InsideOptions): boolean {
  const rel = relative(root, path);
  if (rel === "") return opts.allowRoot === true;
  return !isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`);
}
