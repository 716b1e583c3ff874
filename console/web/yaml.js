// A small YAML writer for the YAML view: block style, strings quoted when YAML would misread them.

const PLAIN = /^[A-Za-z_/][\w./:@-]*( [\w./:@-]+)*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|~)$/i;

function scalar(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value !== "string") return String(value);
  return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
}

const isNode = (v) => v !== null && typeof v === "object" && Object.keys(v).length > 0;

function lines(value, indent) {
  const pad = " ".repeat(indent);
  const out = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isNode(item)) {
        const [first, ...rest] = lines(item, indent + 2);
        out.push(`${pad}- ${first.trimStart()}`, ...rest);
      } else out.push(`${pad}- ${emptyOr(item)}`);
    }
  } else {
    for (const [key, item] of Object.entries(value)) {
      if (isNode(item)) out.push(`${pad}${scalar(key)}:`, ...lines(item, indent + 2));
      else out.push(`${pad}${scalar(key)}: ${emptyOr(item)}`);
    }
  }
  return out;
}

const emptyOr = (v) =>
  Array.isArray(v) ? "[]" : v !== null && typeof v === "object" ? "{}" : scalar(v);

/** `value` as a YAML document. */
export function toYaml(value) {
  return isNode(value) ? lines(value, 0).join("\n") + "\n" : emptyOr(value) + "\n";
}
