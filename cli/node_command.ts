/** `denovirt node list|kill NAME`: the local stack's nodes, and losing one as a power failure would. */
import { parseArgs } from "node:util";
import { defaultHome, stackPaths } from "../stack/paths.ts";
import { stackNodeNamed } from "../stack/nodes/addressing.ts";
import { killNode } from "../stack/nodes/node_down.ts";
import { listNodes } from "../stack/nodes/node_list.ts";

const USAGE = `Usage: denovirt node list [--home DIR]
       denovirt node kill NAME [--home DIR]   (up --nodes N brings it back)`;

/** Run `node list` or `node kill NAME`. */
export async function nodeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { home: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const paths = stackPaths(values.home ?? defaultHome());
  const [action, name, ...rest] = positionals;
  if (action === "list" && !name) {
    const rows = await listNodes(paths);
    const line = (cells: string[]) => cells.map((c, i) => i < 2 ? c.padEnd(22) : c).join("");
    console.log(line(["NODE", "ADDRESS", "STATE"]));
    for (const row of rows) console.log(line([row.node.name, row.node.address, row.state]));
    return 0;
  }
  if (action === "kill" && name && rest.length === 0) {
    const node = stackNodeNamed(name);
    if (!node || node.index === 1) {
      console.error(`Error: only an extra node (denovirt-node-N) can be killed, not ${name}`);
      return 2;
    }
    const killed = await killNode(paths, node);
    console.log(`Killed ${node.name}: ${killed} process(es), its link down`);
    return 0;
  }
  console.error(USAGE);
  return 2;
}
