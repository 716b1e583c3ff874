import assert from "node:assert/strict";
import type { TarEntry } from "../stack/images/tar.ts";
import { ROLE_V8_OPTION } from "../lib/role_runtime.ts";
import { accountFiles, IMAGE_USER, rootfsLayers, withParents, wrapperScript } from "./rootfs.ts";

const inputs = {
  hostFiles: [
    { path: "/usr/bin/busybox", source: "/bin/busybox", mode: 0o755, size: 10 },
    { path: "/usr/bin/kill", source: "/usr/bin/kill", mode: 0o755, size: 5 },
    {
      path: "/usr/lib/x86_64-linux-gnu/libc.so.6",
      source: "/x/libc-2.36.so",
      mode: 0o755,
      size: 7,
    },
  ],
  rootLinks: [{ name: "bin", target: "usr/bin" }],
  busybox: "/usr/bin/busybox",
  entry: {
    kind: "bundle" as const,
    deno: { source: "/cache/deno", size: 100 },
    bundle: { source: "/repo/dist/denovirt.js", size: 50 },
    certsBundle: { source: "/repo/dist/denovirt-certs.js", size: 20 },
  },
};

const names = (entries: TarEntry[]) => entries.map((e) => e.name);

Deno.test("rootfsLayers() puts Deno, the bundle and the wrapper in their own layers", () => {
  const layers = rootfsLayers(inputs);
  assert.deepEqual(names(layers.runtime), [
    "usr/",
    "usr/local/",
    "usr/local/bin/",
    "usr/local/bin/deno",
  ]);
  assert.deepEqual(names(layers.app), [
    "opt/",
    "opt/denovirt/",
    "opt/denovirt/denovirt-certs.js",
    "opt/denovirt/denovirt.js",
    "usr/",
    "usr/local/",
    "usr/local/bin/",
    "usr/local/bin/denovirt",
    "usr/local/bin/denovirt-certs",
  ]);
  const wrapper = layers.app.find((e) => e.name === "usr/local/bin/denovirt")!;
  assert.equal(wrapper.type === "file" && wrapper.mode, 0o755);
});

Deno.test("rootfsLayers() puts a compiled binary at the entry point, with no Deno and no bundle", () => {
  const layers = rootfsLayers({
    ...inputs,
    entry: {
      kind: "binary",
      binary: { source: "/repo/dist/denovirt", size: 90 },
      certsBinary: { source: "/repo/dist/denovirt-certs", size: 80 },
    },
  });
  assert.deepEqual(layers.runtime, []);
  assert.deepEqual(names(layers.app), [
    "usr/",
    "usr/local/",
    "usr/local/bin/",
    "usr/local/bin/denovirt",
    "usr/local/bin/denovirt-certs",
  ]);
  const binary = layers.app.find((e) => e.name === "usr/local/bin/denovirt")!;
  assert.equal(binary.type === "file" && binary.size, 90);
});

Deno.test("rootfsLayers() links busybox applets but never over a host program", () => {
  const { system } = rootfsLayers(inputs);
  const sh = system.find((e) => e.name === "usr/bin/sh");
  assert.deepEqual(sh, { type: "symlink", name: "usr/bin/sh", target: "busybox" });
  const kill = system.find((e) => e.name === "usr/bin/kill");
  assert.equal(kill?.type, "file");
  assert.equal(system.filter((e) => e.name === "usr/bin/kill").length, 1);
});

Deno.test("rootfsLayers() gives the unprivileged user a home it owns and a sticky /tmp", () => {
  const { system } = rootfsLayers(inputs);
  const home = system.find((e) => e.name === `home/${IMAGE_USER.name}/`);
  assert.equal(home?.uid, IMAGE_USER.uid);
  const tmp = system.find((e) => e.name === "tmp/");
  assert.equal(tmp?.type === "directory" && tmp.mode, 0o1777);
  assert.ok(system.some((e) => e.name === "bin" && e.type === "symlink"));
});

Deno.test("withParents() sorts entries and adds each parent directory once, before its children", () => {
  const entries = withParents([
    { type: "file", name: "b/c/d", size: 0, content: { bytes: new Uint8Array() } },
    { type: "file", name: "a/x", size: 0, content: { bytes: new Uint8Array() } },
    { type: "file", name: "b/c-e", size: 0, content: { bytes: new Uint8Array() } },
  ]);
  assert.deepEqual(names(entries), ["a/", "a/x", "b/", "b/c-e", "b/c/", "b/c/d"]);
});

Deno.test("accountFiles() names root and the roles' user with its uid and gid", () => {
  const { passwd, group } = accountFiles();
  assert.match(passwd, /^root:x:0:0:/);
  assert.match(passwd, new RegExp(`\\ndenovirt:x:${IMAGE_USER.uid}:${IMAGE_USER.gid}:`));
  assert.match(group, new RegExp(`denovirt:x:${IMAGE_USER.gid}:`));
});

Deno.test("wrapperScript() runs the bundle with Deno and passes every argument on", () => {
  assert.ok(
    wrapperScript("/opt/x.js").includes(`deno run -A --no-prompt ${ROLE_V8_OPTION} /opt/x.js "$@"`),
  );
  assert.match(wrapperScript(), /^#!\/bin\/sh\n/);
  assert.match(
    wrapperScript(),
    /exec \/usr\/local\/bin\/deno run -A --no-prompt --v8-flags=\S+ \/opt\/denovirt\/denovirt\.js "\$@"/,
  );
});
