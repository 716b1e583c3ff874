/** A Markdown table; numbers that are not finite show as "n/a". */
export const table = (head: string[], rows: (string | number)[][]): string =>
  [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");

function cell(value: string | number): string {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "n/a";
  return value;
}
