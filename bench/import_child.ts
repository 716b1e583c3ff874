/**
 * One runImport() in a process of its own, so that bench/import.ts can watch its memory. Takes
 * the request as JSON (`{ kind: "http", url, targetDir, capacityBytes }` or `{ kind: "blank", ... }`)
 * prints `{ seconds, result }`, and exits when its stdin closes.
 */
import { type ImportSource, runImport } from "../agent/import/mod.ts";

const { kind, url, targetDir, capacityBytes } = JSON.parse(Deno.args[0] ?? "{}");
const source: ImportSource = kind === "blank"
  ? { kind: "blank" }
  : { kind: "http", url, headers: {}, caCerts: [] };
const began = performance.now();
try {
  const result = await runImport({
    source,
    targetDir,
    capacityBytes,
    signal: new AbortController().signal,
  });
  console.log(JSON.stringify({ seconds: (performance.now() - began) / 1000, result }));
  // Stay until the parent has read this process's VmHWM (the agent's permissions cannot).
  await Deno.stdin.read(new Uint8Array(1));
} catch (error) {
  console.error(`Import failed: ${(error as Error).message}`);
  Deno.exit(1);
}
