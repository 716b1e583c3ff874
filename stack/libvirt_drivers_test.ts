import assert from "node:assert/strict";
import { join } from "node:path";
import { driverModule, stackDriverDir } from "./libvirt_drivers.ts";

async function fakeDriverDir(root: string, name: string, drivers: string[]): Promise<string> {
  const dir = join(root, name);
  await Deno.mkdir(dir, { recursive: true });
  for (const d of drivers) await Deno.writeTextFile(join(dir, driverModule(d)), "");
  return dir;
}

Deno.test("stackDriverDir() links only the QEMU driver of the first directory that has it", async () => {
  const root = await Deno.makeTempDir();
  try {
    const without = await fakeDriverDir(root, "a", ["network", "lxc"]);
    const full = await fakeDriverDir(root, "b", ["qemu", "network", "nodedev", "libxl"]);
    const own = await stackDriverDir(join(root, "libvirt"), [join(root, "missing"), without, full]);
    assert.equal(own, join(root, "libvirt", "drivers"));
    const entries = [];
    for await (const e of Deno.readDir(own!)) entries.push(e.name);
    assert.deepEqual(entries, ["libvirt_driver_qemu.so"]);
    assert.equal(
      await Deno.realPath(join(own!, entries[0]!)),
      join(full, "libvirt_driver_qemu.so"),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("stackDriverDir() answers undefined when no directory has the QEMU driver", async () => {
  const root = await Deno.makeTempDir();
  try {
    const without = await fakeDriverDir(root, "a", ["network"]);
    assert.equal(await stackDriverDir(join(root, "libvirt"), [without]), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("stackDriverDir() replaces links left by an earlier start", async () => {
  const root = await Deno.makeTempDir();
  try {
    const full = await fakeDriverDir(root, "b", ["qemu"]);
    const lib = join(root, "libvirt");
    await Deno.mkdir(join(lib, "drivers"), { recursive: true });
    await Deno.writeTextFile(join(lib, "drivers", driverModule("network")), "");
    await stackDriverDir(lib, [full]);
    const entries = [];
    for await (const e of Deno.readDir(join(lib, "drivers"))) entries.push(e.name);
    assert.deepEqual(entries, ["libvirt_driver_qemu.so"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
