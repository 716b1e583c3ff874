/** A tiny XML builder that escapes every attribute value and text node it writes. */

/** Attribute values; `undefined` leaves the attribute out. */
export type Attrs = Record<string, string | number | undefined>;

/** An element: a name, attributes, and children (elements or text). */
export interface XmlElement {
  name: string;
  attrs: Attrs;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;
/** What `el()` accepts as children: falsy entries and nested arrays are flattened away. */
export type XmlChild = XmlNode | XmlChild[] | undefined | null | false;

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** An element; children that are `undefined`, `null` or `false` are skipped. */
export function el(name: string, attrs: Attrs = {}, ...children: XmlChild[]): XmlElement {
  if (!NAME.test(name)) throw new Error(`Invalid XML element name: ${JSON.stringify(name)}`);
  for (const key of Object.keys(attrs)) {
    if (!NAME.test(key)) throw new Error(`Invalid XML attribute name: ${JSON.stringify(key)}`);
  }
  return { name, attrs, children: flatten(children) };
}

function flatten(children: XmlChild[]): XmlNode[] {
  const out: XmlNode[] = [];
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) out.push(...flatten(child));
    else out.push(child);
  }
  return out;
}

/** Escapes text for element content and for single- or double-quoted attribute values. */
export function escapeXml(text: string): string {
  // Characters XML 1.0 forbids outright cannot be escaped: refuse them instead.
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(text)) {
    throw new Error(`Text contains a character XML cannot hold: ${JSON.stringify(text)}`);
  }
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

/** Renders an element as indented XML (two spaces), ending with a newline. */
export function renderXml(root: XmlElement): string {
  const lines: string[] = [];
  write(root, 0, lines);
  return lines.join("\n") + "\n";
}

function write(node: XmlElement, depth: number, lines: string[]) {
  const pad = "  ".repeat(depth);
  const attrs = Object.entries(node.attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}='${escapeXml(String(value))}'`)
    .join("");
  const open = `${pad}<${node.name}${attrs}`;
  if (node.children.length === 0) {
    lines.push(`${open}/>`);
  } else if (node.children.every((child) => typeof child === "string")) {
    lines.push(
      `${open}>${node.children.map((t) => escapeXml(t as string)).join("")}</${node.name}>`,
    );
  } else {
    lines.push(`${open}>`);
    for (const child of node.children) {
      if (typeof child === "string") lines.push(`${pad}  ${escapeXml(child)}`);
      else write(child, depth + 1, lines);
    }
    lines.push(`${pad}</${node.name}>`);
  }
}
