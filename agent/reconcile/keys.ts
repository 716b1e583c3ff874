/** Between libvirt domains and VMI keys: names, and denovirt's metadata element. */

/** The VMI key `namespace/name` of a domain named `<namespace>_<name>`; undefined if not of that form. */
export function keyOfDomainName(domain: string): string | undefined {
  const cut = domain.indexOf("_");
  if (cut <= 0 || cut === domain.length - 1) return undefined;
  return `${domain.slice(0, cut)}/${domain.slice(cut + 1)}`;
}

/** The domain name of a VMI key (`namespace/name` -> `namespace_name`). */
export function domainNameOfKey(key: string): string {
  return key.replace("/", "_");
}

/** What denovirt's metadata element says about a domain. */
export interface DomainOwner {
  namespace: string;
  name: string;
  uid: string;
  /** The node whose agent made the domain; absent in domains rendered before it was recorded. */
  node?: string;
}

/** Parses `<denovirt:vmi namespace name uid [node]/>` as `metadata()` returns it. */
export function parseDomainOwner(xml: string | undefined): DomainOwner | undefined {
  if (!xml) return undefined;
  const open = /<(?:[A-Za-z_][\w.-]*:)?vmi\b([^>]*)\/?>/.exec(xml);
  if (!open) return undefined;
  const attrs = attributesOf(open[1]!);
  const { namespace, name, uid, node } = attrs;
  if (!namespace || !name || !uid) return undefined;
  return node ? { namespace, name, uid, node } : { namespace, name, uid };
}

/** Attributes of an XML start tag's attribute text, entities decoded. */
export function attributesOf(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const match of text.matchAll(/([\w:.-]+)\s*=\s*(?:'([^']*)'|"([^"]*)")/g)) {
    attrs[match[1]!] = decodeEntities(match[2] ?? match[3] ?? "");
  }
  return attrs;
}

function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-f]+);/gi, (_, entity: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };
    if (entity[0] !== "#") return named[entity.toLowerCase()]!;
    const code = entity[1] === "x" || entity[1] === "X"
      ? parseInt(entity.slice(2), 16)
      : parseInt(entity.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

/**
 * Adds `node='<node>'` to the metadata element of rendered domain XML when the renderer left it
 * out, so that agents sharing one libvirtd (tests) never take each other's domains for orphans.
 */
export function withOwnerNode(xml: string, node: string): string {
  return xml.replace(/<((?:[A-Za-z_][\w.-]*:)?vmi\b)([^>]*?)(\/?)>/, (whole, tag, attrs, close) => {
    if (/\snode\s*=/.test(attrs)) return whole;
    return `<${tag}${attrs} node='${escapeAttr(node)}'${close}>`;
  });
}

function escapeAttr(text: string): string {
  return text.replace(/[&<>'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
