/** What the aggregated API's app is given: its Backend (cluster and node agents) and options. */
import type { VirtualMachineInstanceMigration } from "../api/mod.ts";
import type { ReadinessCheck } from "../lib/http/readiness.ts";
import type { Peer } from "../lib/http/https_server.ts";
import type { Authorizer, RequestHeaderConfig } from "./access.ts";
import type { GuestListReader } from "./guest_agent.ts";
import type { PatchStep, VmiLike, VmLike } from "./lifecycle.ts";

export type NodeAction = "pause" | "unpause" | "softreboot";

/** What the app needs from the cluster and the node agents. */
export interface Backend {
  getVm(namespace: string, name: string): Promise<VmLike | undefined>;
  getVmi(namespace: string, name: string): Promise<VmiLike | undefined>;
  /** Send one JSON Patch; throws ApiError. */
  patch(step: PatchStep, namespace: string, name: string, dryRun: boolean): Promise<void>;
  authorize: Authorizer;
  /** PUT an action to the agent of the VMI's node. */
  agentPut(vmi: VmiLike, action: NodeAction): Promise<void>;
  /** The PNG of the VMI's screen, from the agent of its node. */
  agentScreenshot?(vmi: VmiLike): Promise<Uint8Array<ArrayBuffer>>;
  /** The guest's `userlist` or `filesystemlist` (JSON), from the agent of the VMI's node. */
  agentGuestList?: GuestListReader;
  /** Create a migration (through admission); throws ApiError. */
  createMigration(migration: VirtualMachineInstanceMigration, dryRun: boolean): Promise<void>;
}

export interface AppOptions {
  backend: Backend;
  requestHeaders?: RequestHeaderConfig;
  /** Why /readyz answers 503; ready when absent. */
  notReadyReason?: ReadinessCheck;
  /** One line per call: who did what and how it ended. */
  onCall?: (entry: CallLogEntry) => void;
}

export interface CallLogEntry {
  user: string;
  verb: string;
  namespace: string;
  resource: string;
  name: string;
  code: number;
  ms: number;
  message?: string;
}

/** The app's Hono bindings: the TLS peer of each request, from the server. */
export type Env = { Bindings: { peer: Peer } };
