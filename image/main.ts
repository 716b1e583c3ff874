/**
 * `deno task image`: the denovirt image, built offline. Tries `deno compile` first; where Deno's
 * runtime download is unreachable it says so and builds the image around the bundle.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import denoJson from "../deno.json" with { type: "json" };
import { DENO_VERSION } from "../stack/versions.ts";
import { buildImage, checkoutMeta } from "./build.ts";
import { findDenoBinary } from "./deno_binary.ts";
import { compileOrBundle } from "./entry.ts";

const USAGE = `Usage: deno task image [--out=DIR] [--name=NAME] [--tag=TAG] [--source=URL]

  --out=DIR      where the layout (DIR/layout) and the tarball go (default dist/image)
  --name=NAME    the image's repository name (default localhost/denovirt)
  --tag=TAG      its tag (default the version in deno.json, ${denoJson.version})
  --source=URL   org.opencontainers.image.source (default: the checkout's origin remote)`;

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string" },
    name: { type: "string" },
    tag: { type: "string" },
    source: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const started = performance.now();
const log = (line: string) => console.log(line);
try {
  const entry = await compileOrBundle(root, log);
  const meta = await checkoutMeta(root, denoJson.version);
  if (values.source) meta.source = values.source;
  const image = await buildImage({
    out: values.out ?? join(root, "dist", "image"),
    name: values.name ?? "localhost/denovirt",
    tag: values.tag ?? denoJson.version,
    meta,
    entry,
    deno: entry.kind === "bundle" ? await findDenoBinary(DENO_VERSION) : undefined,
    log,
  });
  log(`Image ${image.digest}`);
  log(`  layout   ${image.layoutDir} (skopeo inspect oci:${image.layoutDir}:${image.tag})`);
  log(`  tarball  ${image.tarball}`);
  log(`  size     ${(image.size / 1024 / 1024).toFixed(1)} MiB compressed`);
  log(`  built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`Error: ${(error as Error).message}`);
  Deno.exit(1);
}
