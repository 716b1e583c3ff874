/** Import messages made safe to show: no userinfo, query string, fragment or header values. */
import { DOCKER_SCHEME, formatRegistryUrl, parseRegistryUrl } from "../../api/registry_url.ts";
import { encodeBase64 } from "../../lib/base64.ts";

/**
 * `scheme://host[:port]/path` of a URL: never its userinfo, query string or fragment. A
 * `docker://` URL is an image reference, shown in full as `docker://host/repository:tag`.
 */
export function redactUrl(url: string | URL): string {
  if (typeof url === "string" && url.startsWith(DOCKER_SCHEME)) return redactDockerUrl(url);
  try {
    const parsed = typeof url === "string" ? new URL(url) : url;
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(an invalid URL)";
  }
}

/** A docker:// URL as its image; punctuation that ends a sentence stays out of the image. */
function redactDockerUrl(url: string): string {
  const [, reference, after] = /^(.*?)([.,:;]*)$/s.exec(url)!;
  const parsed = parseRegistryUrl(reference!);
  return "image" in parsed ? formatRegistryUrl(parsed.image) + after : "(an invalid image URL)";
}

// Shorter values would mangle ordinary words of the message; they are refused or never shown.
const MIN_SECRET_LENGTH = 4;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;

/**
 * A function that shows `urls` (verbatim, whatever characters they hold) redacted, removes
 * `secrets`, and strips every other URL's userinfo and query string from a text.
 */
export function scrubberFor(secrets: string[], urls: string[] = []): (text: string) => string {
  const known = urls.flatMap((url) => {
    try {
      return [url, new URL(url).href];
    } catch {
      return [url];
    }
  }).sort((a, b) => b.length - a.length);
  const words = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    // URLs first, so that the source's own URL reads as its redacted form, not "[redacted]".
    let out = text;
    for (const url of known) out = out.replaceAll(url, redactUrl(url));
    out = out.replace(URL_IN_TEXT, (match) => redactUrl(match));
    for (const word of words) out = out.replaceAll(word, "[redacted]");
    return out;
  };
}

/**
 * What an http source must never show: its URL's query string and userinfo, its headers. The URL
 * itself is shown, redacted (scrubberFor's `urls`): it is no secret.
 */
export function secretsOfHttp(url: string, headers: Record<string, string>): string[] {
  const secrets: string[] = [];
  try {
    const parsed = new URL(url);
    secrets.push(parsed.search, parsed.search.slice(1), parsed.hash);
    secrets.push(parsed.username, parsed.password, decodeSafe(parsed.password));
    secrets.push(decodeSafe(parsed.search.slice(1)));
  } catch {
    // An unparsable URL is shown as "(an invalid URL)" anyway.
  }
  for (const value of Object.values(headers)) {
    // "Basic dXNlcjpwYXNz" or "Bearer abc": the credential alone may be echoed elsewhere.
    const parts = value.split(/\s+/);
    secrets.push(value, ...parts.slice(parts.length > 1 ? 1 : 0));
  }
  return secrets;
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What a registry source must never show: the password, alone and in a Basic header. */
export function secretsOfRegistry(
  credentials: { username: string; password: string } | undefined,
): string[] {
  if (!credentials) return [];
  const { username, password } = credentials;
  return [password, encodeBase64(new TextEncoder().encode(`${username}:${password}`))];
}
