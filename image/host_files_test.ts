import assert from "node:assert/strict";
import { librariesOfLdd } from "./host_files.ts";

Deno.test("librariesOfLdd() lists linked libraries and the loader, not the vDSO", () => {
  const output = [
    "\tlinux-vdso.so.1 (0x00007fd1e23f4000)",
    "\tlibvirt.so.0 => /lib/x86_64-linux-gnu/libvirt.so.0 (0x00007f0000000000)",
    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fd1e21fe000)",
    "\t/lib64/ld-linux-x86-64.so.2 (0x00007fd1e23f6000)",
  ].join("\n");
  assert.deepEqual(librariesOfLdd(output), [
    "/lib/x86_64-linux-gnu/libvirt.so.0",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2",
  ]);
});

Deno.test("librariesOfLdd() gives nothing for a static program", () => {
  assert.deepEqual(librariesOfLdd("\tnot a dynamic executable\n"), []);
  assert.deepEqual(librariesOfLdd("\tstatically linked\n"), []);
});
