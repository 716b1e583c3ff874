import assert from "node:assert/strict";
import { join } from "node:path";
import { ImageStore } from "./store.ts";

Deno.test("ImageStore.scratch() makes its root again when another agent's init cleared it", async () => {
  const root = await Deno.makeTempDir({ prefix: "denovirt-store-" });
  try {
    const store = new ImageStore(root);
    await store.init();
    await Deno.remove(join(root, "tmp"), { recursive: true });
    const dir = await store.scratch();
    assert.equal((await Deno.stat(dir)).isDirectory, true);
    assert.equal(dir.startsWith(join(root, "tmp", "pull-")), true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
