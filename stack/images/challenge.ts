/** `WWW-Authenticate` challenges of registries (RFC 7235): `Basic realm=...`, `Bearer realm=...,service=...,scope=...`. */

export interface Challenge {
  /** Lower case: `basic`, `bearer`. */
  scheme: string;
  /** Parameter names in lower case, values unquoted. */
  params: Record<string, string>;
}

/** The challenges of a header value; registries send one, RFC 7235 allows several. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header.trim();
  while (rest.length > 0) {
    const scheme = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*/.exec(rest);
    if (!scheme) break;
    rest = rest.slice(scheme[0].length);
    const params: Record<string, string> = {};
    for (;;) {
      const param = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*,?\s*/
        .exec(rest);
      if (!param) break;
      const quoted = param[3];
      params[param[1]!.toLowerCase()] = quoted !== undefined
        ? quoted.replace(/\\(.)/g, "$1")
        : param[2]!;
      rest = rest.slice(param[0].length);
    }
    challenges.push({ scheme: scheme[1]!.toLowerCase(), params });
    rest = rest.replace(/^,\s*/, "");
  }
  return challenges;
}

/** The scope a client asks a token server for, to pull and push one repository. */
export function repositoryScope(repository: string, actions: string[]): string {
  return `repository:${repository}:${actions.join(",")}`;
}
