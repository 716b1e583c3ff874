/** The agent's reconcile pass for one VMI key: what it observes and what it may decide to do. */
import type { MigrationState, Pod, VirtualMachineInstanceStatus, VMI } from "../../api/mod.ts";
import type { DomainStateName } from "../libvirt/mod.ts";
import type { LiveDomainFacts } from "../libvirt/xml_read.ts";

/** The libvirt domain holding the key's name, as observed. */
export interface ObservedDomain {
  name: string;
  uuid: string;
  state: DomainStateName;
  /** The state's reason as libvirt names it, e.g. `shutdown`, `destroyed`, `user`. */
  reason: string;
  /**
   * Whose domain it is, from denovirt's metadata element. `undefined`: the domain carries no
   * denovirt metadata (not made by any agent: never touch it).
   */
  owner: { uid: string; node: string | undefined } | undefined;
  /** From the live XML, when the domain is active. */
  live: LiveDomainFacts | undefined;
}

/** Everything `plan()` decides on: a pure value, so plans are table-tested. */
export interface Observation {
  key: string;
  /** This agent's node. */
  node: string;
  /** Whether domains run with KVM (else TCG software emulation). */
  kvm: boolean;
  /** RFC 3339 time of the observation; plan() never reads the clock. */
  now: string;
  /** The VMI under the key, as cached (undefined: gone, or not bound to this node). */
  vmi: VMI | undefined;
  domain: ObservedDomain | undefined;
  /** When this agent process last asked the guest to shut down (ms since epoch). */
  shutdownRequestedAt?: number;
  /** The VMI's launcher pod on this node, as last seen. */
  launcherPod?: Pod;
  /** The VMI has no launcher pod at all (checked on the API server, not only in the cache). */
  launcherPodMissing?: boolean;
  /**
   * Why no domain may start on this node now (the fence gate is closed): a start waits, quietly,
   * until the gate opens and enqueues the key.
   */
  startsRefused?: string;
  /** The last start error of this VMI, for the Failed message when libvirt says only "failed". */
  lastError?: string;
  /** Access modes of the claims the VMI uses, by claim name, as cached. */
  claimAccessModes?: Record<string, string[]>;
  /** The migration job this agent process runs for the key, if any. */
  migrationJob?: { migrationUid: string; aborting: boolean };
  /** This node's address (the agent's `--node-address`), a migration target's to report. */
  nodeAddress?: string;
  /** The target launcher pod of a migration to this node, bound here. */
  targetPod?: Pod;
  /** A migration target's files exist on this node (its data directory). */
  targetFiles?: boolean;
  /** The UID of a VMI no longer migrating here whose prepared files are still here. */
  departedTarget?: string;
  /**
   * This agent process has not yet checked the running guest's pod network: after a restart the
   * guest's DHCP server may be gone (it was a process of the agent's old pod).
   */
  networkUnchecked?: boolean;
}

/** One step of a plan, applied in order; a failing step stops the pass (and it is retried). */
export type Action =
  | { type: "addFinalizer" }
  | { type: "removeFinalizer" }
  /** Prepare disks and the run dir, define the domain, start it (and pause it if asked). */
  | { type: "startDomain"; paused: boolean }
  /** Join a running guest to its launcher pod's network again; every part is kept if present. */
  | { type: "ensureNetwork" }
  /** Prepare a hotplugged volume and attach its disk to the running domain. */
  | { type: "attachDisk"; name: string }
  /** Detach from the running domain the disk `target` of a volume gone from the spec. */
  | { type: "detachDisk"; name: string; target: string; source: string; device: "file" | "block" }
  /** Ask the guest to power off (ACPI). */
  | { type: "shutdown" }
  | { type: "destroy"; uuid: string }
  | { type: "undefine"; uuid: string }
  /**
   * Remove the per-VMI data directory of the VMI `uid` (named by the key) and its run directory,
   * or all of the run directory but the serial log.
   */
  | { type: "removeFiles"; uid: string; keepSerialLog: boolean }
  /** Write the fields of this status the agent owns, if they differ from the cached ones. */
  | { type: "writeStatus"; status: VirtualMachineInstanceStatus }
  | { type: "event"; eventType: "Normal" | "Warning"; reason: string; message: string }
  /** Patch the fields of `status.migrationState` this agent writes (its record's uid tested). */
  | { type: "writeMigrationState"; fields: Partial<MigrationState> }
  /** Migration target: images, overlays, emptyDisks, cloud-init, the target pod's network. */
  | { type: "prepareTarget" }
  /** Migration source: start the job (it runs beside the controller and enqueues the key). */
  | { type: "startMigration" }
  /** Migration source: the job in flight aborts (abortStatus Aborting, then its outcome). */
  | { type: "abortMigration" }
  /** Migration source: read the job's progress; abort it once a timeout of the policy passes. */
  | { type: "checkMigrationProgress" }
  /** Abort whatever libvirt job the domain has (no job of this process follows it). */
  | { type: "abortMigrationJob" };

/** What to do for one key, and when to look again. */
export interface Plan {
  actions: Action[];
  /** Look again after this long even without events (grace periods, transient states). */
  requeueAfterMs?: number;
  /** Why nothing can be done now; the pass fails with this message and is retried with backoff. */
  blocked?: string;
}
