/**
 * Fake CNI plugins for tests: small `#!/bin/sh` scripts that record their CNI_* environment,
 * stdin and call order, and answer per command with what the test set.
 */
import { join } from "node:path";

export interface FakePlugins {
  /** The dir the scripts are in (a bin dir). */
  bin: string;
  /** A dir for the result cache. */
  cache: string;
  /** Adds a script `name`. */
  add(name: string, bin?: string): Promise<void>;
  /** What `name` answers to `command`: stdout, stderr, exit status. */
  answer(
    name: string,
    command: string,
    answer: { stdout?: unknown; stderr?: string; exit?: number },
  ): Promise<void>;
  /** `name COMMAND` of each call, in order. */
  calls(): Promise<string[]>;
  /** The parsed stdin of the last `command` call of `name`. */
  stdin(name: string, command: string): Promise<Record<string, unknown>>;
  /** The CNI_* variables of the last `command` call of `name`. */
  env(name: string, command: string): Promise<Record<string, string>>;
  /** Forgets the calls recorded so far. */
  reset(): Promise<void>;
  /** A second bin dir, for lookup order. */
  otherBin: string;
}

/** Runs `fn` with fake plugins in a temp dir, removed afterwards. */
export async function withFakePlugins(fn: (fakes: FakePlugins) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "denovirt-cni-fakes-" });
  const [bin, otherBin, cache, record, answers] = ["bin", "bin2", "cache", "record", "answers"]
    .map((d) => join(root, d));
  for (const dir of [bin!, otherBin!, record!, answers!]) await Deno.mkdir(dir);
  const text = (file: string) => Deno.readTextFile(file).catch(() => "");
  const fakes: FakePlugins = {
    bin: bin!,
    otherBin: otherBin!,
    cache: cache!,
    async add(name, dir = bin!) {
      const script = `#!/bin/sh
rec='${record}'; ans='${answers}/${name}.'"$CNI_COMMAND"
cat > "$rec/${name}.$CNI_COMMAND.stdin"
env | grep '^CNI_' > "$rec/${name}.$CNI_COMMAND.env"
echo "${name} $CNI_COMMAND" >> "$rec/calls"
[ -f "$ans.out" ] && cat "$ans.out"
[ -f "$ans.err" ] && cat "$ans.err" >&2
exit "$(cat "$ans.exit" 2>/dev/null || echo 0)"
`;
      await Deno.writeTextFile(join(dir, name), script, { mode: 0o755 });
    },
    async answer(name, command, answer) {
      const base = join(answers!, `${name}.${command}`);
      if (answer.stdout !== undefined) {
        const out = typeof answer.stdout === "string"
          ? answer.stdout
          : JSON.stringify(answer.stdout);
        await Deno.writeTextFile(`${base}.out`, out);
      }
      if (answer.stderr !== undefined) await Deno.writeTextFile(`${base}.err`, answer.stderr);
      if (answer.exit !== undefined) await Deno.writeTextFile(`${base}.exit`, `${answer.exit}`);
    },
    async calls() {
      return (await text(join(record!, "calls"))).split("\n").filter((l) => l);
    },
    async stdin(name, command) {
      return JSON.parse(await Deno.readTextFile(join(record!, `${name}.${command}.stdin`)));
    },
    async env(name, command) {
      const lines = (await Deno.readTextFile(join(record!, `${name}.${command}.env`))).split("\n");
      return Object.fromEntries(
        lines.filter((l) => l).map((
          l,
        ) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
    },
    async reset() {
      await Deno.remove(join(record!, "calls")).catch(() => {});
    },
  };
  try {
    await fn(fakes);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
