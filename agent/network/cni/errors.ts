/** How running a CNI network fails: the plugin's error result (spec 1.0, section 5) and ours. */

/** The spec's well-known error codes (0-99); plugins use 100 and up for their own. */
export const CniErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  /** The container is unknown: nothing to clean up, a DEL is not needed. */
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  /** A transient condition: retry later. */
  TryAgainLater: 11,
} as const;

export type CniCommand = "ADD" | "DEL" | "CHECK";

const VERBS: Record<CniCommand, string> = { ADD: "add", DEL: "delete", CHECK: "check" };

/** What a plugin operation was about, for messages: `eth0 of pod ns/name`. */
export interface CniErrorContext {
  command: CniCommand;
  plugin: string;
  ifName: string;
  pod: string;
}

/**
 * A plugin failed, or could not be run. `code`, `msg` and `details` are the plugin's error
 * result; `code` is undefined when the plugin gave none (not found, crashed, no valid output).
 */
export class CniError extends Error {
  override name = "CniError";
  readonly plugin: string;
  readonly command: CniCommand;
  constructor(
    context: CniErrorContext,
    readonly code: number | undefined,
    readonly msg: string,
    readonly details = "",
  ) {
    super(
      `CNI plugin ${context.plugin} failed to ${VERBS[context.command]} ${context.ifName} of pod ` +
        `${context.pod}: ${msg}${details ? ` (${details})` : ""}`,
    );
    this.plugin = context.plugin;
    this.command = context.command;
  }
}
