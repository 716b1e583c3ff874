/** Structured logs: one JSON object per line on stderr, carrying the component and any fields. */

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  with(fields: LogFields): Logger;
}

const debugEnabled = () => Deno.env.get("DENOVIRT_DEBUG") === "1";

/** A logger whose every line carries `fields` (e.g. `{ component: "agent" }`). */
export function logger(fields: LogFields = {}): Logger {
  const write = (level: string, msg: string, extra?: LogFields) => {
    const line = { ts: new Date().toISOString(), level, msg, ...fields, ...extra };
    console.error(JSON.stringify(line, errorReplacer));
  };
  return {
    info: (msg, extra) => write("info", msg, extra),
    warn: (msg, extra) => write("warn", msg, extra),
    error: (msg, extra) => write("error", msg, extra),
    debug: (msg, extra) => debugEnabled() && write("debug", msg, extra),
    with: (more) => logger({ ...fields, ...more }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
