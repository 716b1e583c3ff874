import assert from "node:assert/strict";
import { join } from "node:path";
import { assertInside, PathEscapeError, safeJoin } from "./paths.ts";

async function withTree(fn: (root: string, outside: string) => Promise<void>) {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "denovirt-paths-" }));
  try {
    const root = join(base, "root");
    const outside = join(base, "outside");
    await Deno.mkdir(join(root, "sub"), { recursive: true });
    await Deno.mkdir(outside);
    await Deno.writeTextFile(join(root, "sub", "disk.img"), "");
    await Deno.writeTextFile(join(outside, "secret"), "");
    await Deno.symlink(outside, join(root, "out-link"));
    await Deno.symlink(join(outside, "secret"), join(root, "file-link"));
    await Deno.symlink("sub", join(root, "in-link"));
    await fn(root, outside);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

const escapes = (promise: Promise<unknown>, message: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PathEscapeError, `expected a PathEscapeError, got ${error}`);
    assert.match((error as Error).message, message);
    return true;
  });

Deno.test("safeJoin() resolves paths inside the root, existing or not", () =>
  withTree(async (root) => {
    assert.equal(await safeJoin(root, "sub/disk.img"), join(root, "sub", "disk.img"));
    assert.equal(await safeJoin(root, "sub/new/disk.img"), join(root, "sub", "new", "disk.img"));
    assert.equal(await safeJoin(root, "in-link/disk.img"), join(root, "sub", "disk.img"));
    assert.equal(await safeJoin(root, "sub/"), join(root, "sub"));
    assert.equal(await safeJoin(`${root}/`, "./sub//disk.img"), join(root, "sub", "disk.img"));
  }));

Deno.test("safeJoin() refuses .., absolute paths and the root itself", () =>
  withTree(async (root) => {
    await escapes(safeJoin(root, "../outside/secret"), /must not contain "\.\."/);
    await escapes(safeJoin(root, "sub/../../outside"), /must not contain "\.\."/);
    await escapes(safeJoin(root, "/etc/passwd"), /must be a relative path/);
    await escapes(safeJoin(root, ""), /is outside/);
    await escapes(safeJoin(root, "."), /is outside/);
    assert.equal(await safeJoin(root, ".", { allowRoot: true }), root);
  }));

Deno.test("safeJoin() refuses symlinks that lead out of the root", () =>
  withTree(async (root) => {
    await escapes(safeJoin(root, "out-link/secret"), /through a symbolic link/);
    await escapes(safeJoin(root, "out-link/not-yet/disk.img"), /through a symbolic link/);
    await escapes(safeJoin(root, "file-link"), /through a symbolic link/);
    await Deno.symlink("/nonexistent-denovirt-target", join(root, "dangling"));
    await escapes(safeJoin(root, "dangling"), /dangling symbolic link/);
    await escapes(safeJoin(root, "dangling/disk.img"), /dangling symbolic link/);
  }));

Deno.test("assertInside() refuses absolute escapes and sibling prefixes", () =>
  withTree(async (root, outside) => {
    await escapes(assertInside(root, join(outside, "secret")), /is outside/);
    await escapes(assertInside(root, `${root}-evil/disk.img`), /is outside/);
    await escapes(assertInside(root, "relative/disk.img"), /must be an absolute path/);
    await escapes(assertInside(root, `${root}/sub/../../outside/secret`), /must not contain/);
    assert.equal(
      await assertInside(`${root}/`, `${root}/sub/disk.img/`),
      join(root, "sub", "disk.img"),
    );
  }));

Deno.test("assertInside() follows a root that is itself a symlink", () =>
  withTree(async (root, outside) => {
    const alias = join(outside, "root-alias");
    await Deno.symlink(root, alias);
    assert.equal(
      await assertInside(alias, join(alias, "sub", "disk.img")),
      join(root, "sub", "disk.img"),
    );
    await escapes(
      assertInside(alias, join(alias, "out-link", "secret")),
      /through a symbolic link/,
    );
  }));
