import assert from "node:assert/strict";
import { libvirtDirs, libvirtUri } from "./libvirt_daemon.ts";
import { stackPaths } from "./paths.ts";

Deno.test("libvirtUri() points the qemu system driver at the home's own socket", () => {
  assert.equal(
    libvirtUri(stackPaths("/h")),
    "qemu:///system?socket=/h/libvirt/sock/libvirt-sock",
  );
});

Deno.test("libvirtDirs() keeps every stand-in for a system directory under the home", () => {
  const dirs = libvirtDirs(stackPaths("/h"));
  assert.deepEqual(Object.keys(dirs.system).sort(), [
    "/etc/libvirt",
    "/run/libvirt",
    "/var/cache/libvirt",
    "/var/lib/libvirt",
    "/var/log/libvirt",
  ]);
  for (const dir of Object.values(dirs.system)) assert.match(dir, /^\/h\/libvirt\//);
});
