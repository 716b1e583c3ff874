/**
 * `deno task compile`: the single `denovirt` binary. `deno compile` needs Deno's runtime
 * (denort) from Deno's download host, or `$DENORT_BIN`; where neither is available this says so
 * and points at the bundle, which runs anywhere Deno does.
 */
const output = "dist/denovirt";
const result = await new Deno.Command(Deno.execPath(), {
  args: ["compile", "-A", "--output", output, "main.ts"],
  stdout: "inherit",
  stderr: "piped",
}).output();
const stderr = new TextDecoder().decode(result.stderr);
if (result.success) {
  console.log(`Built ${output}`);
  Deno.exit(0);
}
await Deno.stderr.write(result.stderr);
if (/denort|download|dl\.deno\.land|error sending request|dns error/i.test(stderr)) {
  console.error(
    [
      "",
      "deno compile could not get Deno's runtime (denort): this machine cannot reach Deno's",
      "download host. Set DENORT_BIN to a denort binary of this Deno version, or build where",
      "the host is reachable. Meanwhile `deno task bundle` makes dist/denovirt.js, which",
      "`deno run -A dist/denovirt.js <command>` runs with every role.",
    ].join("\n"),
  );
}
Deno.exit(1);
