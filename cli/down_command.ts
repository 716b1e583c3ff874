/** `denovirt down`: stop the local stack. */
import { parseArgs } from "node:util";
import { down } from "../stack/down.ts";

/** Stop the stack; `--purge` also removes its home directory. */
export async function downCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { home: { type: "string" }, purge: { type: "boolean" } },
    strict: true,
  });
  await down({ home: values.home, purge: values.purge });
  console.log("The local stack is down.");
  return 0;
}
