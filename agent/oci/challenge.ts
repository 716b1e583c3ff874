/** The authentication challenges of a WWW-Authenticate header (RFC 9110 section 11.6.1). */

/** One challenge: its scheme in lowercase and its parameters (names in lowercase). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
/** Unquoted values: tokens by the RFC, but servers also send bare URLs. */
const BARE = /[^\s,"]+/y;

/** Every challenge of the header, in order; what does not parse ends the list. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let at = 0;
  const skip = (chars: string) => {
    while (at < header.length && chars.includes(header[at]!)) at++;
  };
  const token = (pattern = TOKEN): string | undefined => {
    pattern.lastIndex = at;
    const match = pattern.exec(header);
    if (!match) return undefined;
    at = pattern.lastIndex;
    return match[0];
  };
  const quoted = (): string | undefined => {
    let value = "";
    for (at++; at < header.length; at++) {
      const char = header[at]!;
      if (char === '"') {
        at++;
        return value;
      }
      if (char === "\\") at++;
      value += header[at] ?? "";
    }
    return undefined; // Unterminated.
  };

  for (;;) {
    skip(" \t,");
    const scheme = token();
    if (scheme === undefined) return challenges;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      skip(" \t");
      const start = at;
      const name = token();
      skip(" \t");
      if (name === undefined || header[at] !== "=") {
        at = start; // The next challenge's scheme, or the end.
        break;
      }
      at++;
      skip(" \t");
      const value = header[at] === '"' ? quoted() : token(BARE);
      if (value === undefined) return challenges;
      challenge.params[name.toLowerCase()] = value;
      skip(" \t");
      if (header[at] !== ",") break;
      at++;
    }
  }
}

/** The first challenge this client can answer: Bearer (a token server) or Basic. */
export function usableChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined;
  return parseChallenges(header).find((c) =>
    (c.scheme === "bearer" && c.params.realm !== undefined) || c.scheme === "basic"
  );
}
