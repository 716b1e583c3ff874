import assert from "node:assert/strict";
import { join } from "node:path";
import { testTls } from "./test_support.ts";

const here = (file: string) => new URL(file, import.meta.url).href;
const DENO_JSON = new URL("../../deno.json", import.meta.url).pathname;

/** A pull over verified and over unverified TLS, as a child process runs it. */
const CHILD = `
import { withRegistry } from "${here("./test_registry.ts")}";
import { tarOf } from "${here("./test_tar.ts")}";
import { extractDiskFile, parseImageReference, RegistryClient } from "${here("./mod.ts")}";
const [tlsFile, target] = Deno.args;
const tls = JSON.parse(await Deno.readTextFile(tlsFile));
await withRegistry(async (registry, name) => {
  registry.addImage("disks/img", "v1", [
    { bytes: tarOf([{ name: "disk/a.img", data: "disk" }]), mediaType: "application/vnd.oci.image.layer.v1.tar" },
  ]);
  registry.auth = { scheme: "bearer" };
  for (const options of [{ insecure: () => true }, { caCerts: [tls.ca] }]) {
    const client = new RegistryClient(options);
    const image = await client.resolve(parseImageReference(name + "/disks/img:v1"));
    await extractDiskFile(client, image, { target, maxBytes: 1024 });
    client.close();
  }
}, { tls });
`;

Deno.test("RegistryClient and extractDiskFile work with the agent's permissions alone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-oci-perm-" });
  try {
    await Deno.writeTextFile(join(dir, "tls.json"), JSON.stringify(await testTls()));
    await Deno.writeTextFile(join(dir, "child.ts"), CHILD);
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--config=${DENO_JSON}`,
        "-P=agent",
        `--allow-write=${out}`,
        "--no-prompt",
        "--quiet",
        join(dir, "child.ts"),
        join(dir, "tls.json"),
        join(out, "disk.img"),
      ],
      stdout: "piped",
      stderr: "piped",
    });
    const { success, stderr } = await child.output();
    const errors = new TextDecoder().decode(stderr).replace(/.*experimental feature.*\n/, "");
    assert.ok(success, errors);
    assert.equal(await Deno.readTextFile(join(out, "disk.img")), "disk");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
