/** Pure mappings between libvirt's C enums (libvirt-domain.h) and the names denovirt uses. */

/** XML namespace of denovirt's element inside a domain's `<metadata>`. */
export const DENOVIRT_METADATA_URI = "http://denovirt.io/domain/1";

/** virDomainState, indexed by value. */
export const DOMAIN_STATES = [
  "nostate",
  "running",
  "blocked",
  "paused",
  "shutdown",
  "shutoff",
  "crashed",
  "pmsuspended",
] as const;
export type DomainStateName = typeof DOMAIN_STATES[number] | "unknown";

/** The vir<State>Reason enums, indexed by state then by value. */
const STATE_REASONS: Record<string, readonly string[]> = {
  nostate: ["unknown"],
  running: [
    "unknown",
    "booted",
    "migrated",
    "restored",
    "from-snapshot",
    "unpaused",
    "migration-canceled",
    "save-canceled",
    "wakeup",
    "crashed",
    "postcopy",
    "postcopy-failed",
  ],
  blocked: ["unknown"],
  paused: [
    "unknown",
    "user",
    "migration",
    "save",
    "dump",
    "ioerror",
    "watchdog",
    "from-snapshot",
    "shutting-down",
    "snapshot",
    "crashed",
    "starting-up",
    "postcopy",
    "postcopy-failed",
  ],
  shutdown: ["unknown", "user"],
  shutoff: [
    "unknown",
    "shutdown",
    "destroyed",
    "crashed",
    "migrated",
    "saved",
    "failed",
    "from-snapshot",
    "daemon",
  ],
  crashed: ["unknown", "panicked"],
  pmsuspended: ["unknown"],
};

/** virDomainEventType, indexed by value. */
export const LIFECYCLE_EVENTS = [
  "Defined",
  "Undefined",
  "Started",
  "Suspended",
  "Resumed",
  "Stopped",
  "Shutdown",
  "PMSuspended",
  "Crashed",
] as const;
/** libvirt's lifecycle events, "Unknown", and the guest agent's connects and disconnects. */
export type LifecycleEventName = typeof LIFECYCLE_EVENTS[number] | "Unknown" | "AgentLifecycle";

/** The virDomainEvent<Type>DetailType enums, indexed by event then by value. */
const EVENT_DETAILS: Record<string, readonly string[]> = {
  Defined: ["added", "updated", "renamed", "from-snapshot"],
  Undefined: ["removed", "renamed"],
  Started: ["booted", "migrated", "restored", "from-snapshot", "wakeup"],
  Suspended: [
    "paused",
    "migrated",
    "ioerror",
    "watchdog",
    "restored",
    "from-snapshot",
    "api-error",
    "postcopy",
    "postcopy-failed",
  ],
  Resumed: ["unpaused", "migrated", "from-snapshot", "postcopy", "postcopy-failed"],
  Stopped: ["shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from-snapshot"],
  Shutdown: ["finished", "guest", "host"],
  PMSuspended: ["memory", "disk"],
  Crashed: ["panicked", "crashloaded"],
};

/** The name of a virDomainState value ("unknown" for values newer than this table). */
export function domainStateName(state: number): DomainStateName {
  return DOMAIN_STATES[state] ?? "unknown";
}

/** The name of a state's reason, e.g. ("shutoff", 2) -> "destroyed". */
export function stateReasonName(state: DomainStateName, reason: number): string {
  return STATE_REASONS[state]?.[reason] ?? "unknown";
}

/** The name of a virDomainEventType value, e.g. 2 -> "Started". */
export function lifecycleEventName(event: number): LifecycleEventName {
  return LIFECYCLE_EVENTS[event] ?? "Unknown";
}

/** The name of an event's detail, e.g. ("Stopped", 1) -> "destroyed". */
export function eventDetailName(event: LifecycleEventName, detail: number): string {
  return EVENT_DETAILS[event]?.[detail] ?? "unknown";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a domain reference is a UUID (looked up by UUID) rather than a name. */
export function isUuid(ref: string): boolean {
  return UUID.test(ref);
}

/** VIR_DOMAIN_AFFECT_* flags for a metadata scope. */
export function metadataScopeFlags(
  scope: "current" | "live" | "config" | "live+config" = "current",
): number {
  return { current: 0, live: 1, config: 2, "live+config": 3 }[scope];
}
