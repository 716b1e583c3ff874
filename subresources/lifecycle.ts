/**
 * What start, stop and restart do to a VM, as KubeVirt's virt-api does it (pkg/virt-api/rest
 * lifecycle.go): pure functions from the VM, its VMI and the request options to the JSON Patches
 * to send, or a StatusError. Table-tested without a cluster.
 */
import { isFinished, RunStrategyError, runStrategyOf } from "../api/mod.ts";
import { badRequest, conflict, internal } from "../lib/http/status.ts";
import { isDryRun, optionsBodyOf } from "./options_body.ts";

/** The parts of a VirtualMachine these decisions read. */
export interface VmLike {
  metadata: { name?: string; namespace?: string; uid?: string };
  spec?: { running?: boolean; runStrategy?: string; template?: { spec?: Record<string, unknown> } };
  status?: {
    stateChangeRequests?: StateChangeRequest[];
    startFailure?: unknown;
    snapshotInProgress?: unknown;
    [key: string]: unknown;
  };
}

/** The parts of a VirtualMachineInstance these decisions read. */
export interface VmiLike {
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    ownerReferences?: { uid?: string }[];
  };
  spec?: {
    terminationGracePeriodSeconds?: number;
    livenessProbe?: unknown;
    domain?: {
      features?: { acpi?: { enabled?: boolean } };
      devices?: { autoattachSerialConsole?: boolean; autoattachGraphicsDevice?: boolean };
    };
  };
  status?: {
    phase?: string;
    nodeName?: string;
    conditions?: { type: string; status: string }[];
    migrationState?: { completed?: boolean };
    interfaces?: { name?: string; ipAddress?: string }[];
    guestOSInfo?: Record<string, unknown>;
  };
}

export interface StateChangeRequest {
  action: "Start" | "Stop";
  uid?: string;
  data?: Record<string, string>;
}

export type JsonPatch = {
  op: "add" | "replace" | "remove" | "test";
  path: string;
  value?: unknown;
}[];

/** One patch to send: to the VM, the VM's status subresource, or the VMI. */
export interface PatchStep {
  target: "vm" | "vm-status" | "vmi";
  patch: JsonPatch;
}

/** StartOptions, StopOptions, RestartOptions: read leniently, unknown fields ignored. */
export interface LifecycleOptions {
  gracePeriod?: number;
  dryRun: boolean;
  paused: boolean;
}

/** The options in a request body (`{}` when there is none); malformed JSON is a 400. */
export function lifecycleOptionsOf(body: string): LifecycleOptions {
  const raw = optionsBodyOf(body);
  // StopOptions says gracePeriod, RestartOptions gracePeriodSeconds.
  const grace = raw.gracePeriod ?? raw.gracePeriodSeconds;
  const dryRun = isDryRun(raw);
  return {
    ...(typeof grace === "number" ? { gracePeriod: grace } : {}),
    dryRun,
    paused: raw.paused === true,
  };
}

/**
 * The VM's run strategy (api/run_strategy.ts); a VM with both `running` and `runStrategy` is
 * an internal error, as in KubeVirt, where admission keeps such VMs out.
 */
function strategyOf(vm: VmLike): string {
  try {
    return runStrategyOf(vm);
  } catch (error) {
    if (error instanceof RunStrategyError) throw internal(error.message);
    throw error;
  }
}

const isFinal = (vmi: VmiLike) => isFinished(vmi.status?.phase);

/** The patches that start `vm`; throws a StatusError when it cannot be started. */
export function startPlan(
  vm: VmLike,
  vmi: VmiLike | undefined,
  opts: LifecycleOptions,
): PatchStep[] {
  const name = vm.metadata.name ?? "";
  const phase = vmi?.status?.phase ?? "";
  if (vmi && !isFinal(vmi) && phase !== "Unknown" && phase !== "") {
    throw conflict("virtualmachine", name, "VM is already running");
  }
  const data = opts.paused ? { paused: "true" } : undefined;
  const start: StateChangeRequest = data ? { action: "Start", data } : { action: "Start" };
  const strategy = strategyOf(vm);
  switch (strategy) {
    case "Halted":
      return opts.paused
        ? [{ target: "vm-status", patch: changeRequestPatch(vm, [start]) }]
        : [{ target: "vm", patch: runningPatch(vm, true) }];
    case "Manual":
    case "RerunOnFailure": {
      if (strategy === "RerunOnFailure" && phase === "Failed") {
        throw conflict(
          "virtualmachine",
          name,
          "RerunOnFailure does not support starting VM from failed state",
        );
      }
      const needsRestart = vmi !== undefined &&
        (strategy === "Manual" ? isFinal(vmi) : phase === "Succeeded");
      const changes = needsRestart ? [stopRequest(vmi), start] : [start];
      return [{ target: "vm-status", patch: changeRequestPatch(vm, changes) }];
    }
    case "Always":
    case "Once":
      throw conflict("virtualmachine", name, `${strategy} does not support manual start requests`);
    default:
      // WaitAsReceiver: KubeVirt accepts and does nothing.
      return [];
  }
}

/** The patches that stop `vm`; throws a StatusError when it cannot be stopped. */
export function stopPlan(
  vm: VmLike,
  vmi: VmiLike | undefined,
  opts: LifecycleOptions,
): PatchStep[] {
  const name = vm.metadata.name ?? "";
  const running = vmi !== undefined && !isFinal(vmi);
  const steps: PatchStep[] = [];
  const oldGrace = vmi?.spec?.terminationGracePeriodSeconds;
  if (running && opts.gracePeriod !== undefined) {
    // The test makes a concurrent change of the grace period fail instead of being overwritten.
    steps.push({
      target: "vmi",
      patch: [
        { op: "test", path: "/spec/terminationGracePeriodSeconds", value: oldGrace ?? null },
        { op: "add", path: "/spec/terminationGracePeriodSeconds", value: opts.gracePeriod },
      ],
    });
  }
  const strategy = strategyOf(vm);
  switch (strategy) {
    case "Halted":
      if (!running) throw conflict("virtualmachine", name, "VM is not running");
      if (
        opts.gracePeriod === undefined || (oldGrace !== undefined && opts.gracePeriod >= oldGrace)
      ) {
        throw conflict(
          "virtualmachine",
          name,
          "Halted only supports manual stop requests with a shorter graceperiod",
        );
      }
      return [...steps, { target: "vm-status", patch: changeRequestPatch(vm, [stopRequest(vmi)]) }];
    case "Manual":
    case "RerunOnFailure":
      if (!running) throw conflict("virtualmachine", name, "VM is not running");
      return [...steps, { target: "vm-status", patch: changeRequestPatch(vm, [stopRequest(vmi)]) }];
    case "Always":
    case "Once":
      return [...steps, { target: "vm", patch: runningPatch(vm, false) }];
    default:
      return steps;
  }
}

/** The patches that restart `vm`: a Stop for the current VMI's uid, then a Start. */
export function restartPlan(
  vm: VmLike,
  vmi: VmiLike | undefined,
  opts: LifecycleOptions,
): PatchStep[] {
  const name = vm.metadata.name ?? "";
  if (opts.gracePeriod !== undefined && opts.gracePeriod > 0) {
    throw badRequest("For force restart, only gracePeriod=0 is supported for now");
  }
  if (opts.gracePeriod !== undefined && opts.gracePeriod < 0) {
    throw badRequest("gracePeriod has to be greater or equal to 0");
  }
  const strategy = strategyOf(vm);
  if (strategy === "Halted" || strategy === "Once") {
    throw conflict(
      "virtualmachine",
      name,
      `RunStrategy ${strategy} does not support manual restart requests`,
    );
  }
  if (!vmi) throw conflict("virtualmachine", name, "VM is not running");
  return [{
    target: "vm-status",
    patch: changeRequestPatch(vm, [stopRequest(vmi), { action: "Start" }]),
  }];
}

function stopRequest(vmi: VmiLike): StateChangeRequest {
  const uid = vmi.metadata.uid;
  return uid ? { action: "Stop", uid } : { action: "Stop" };
}

/**
 * Append state change requests the way KubeVirt does: a whole `/status` when the VM has none,
 * else a test of the current requests (so concurrent callers conflict) and an add; a lone Stop
 * replaces whatever is pending; anything else while requests are pending is a conflict.
 */
export function changeRequestPatch(vm: VmLike, changes: StateChangeRequest[]): JsonPatch {
  const status = vm.status ?? {};
  const pending = status.stateChangeRequests ?? [];
  const ops: JsonPatch = [];
  if (Object.keys(status).length === 0) {
    ops.push({ op: "add", path: "/status", value: { stateChangeRequests: changes } });
  } else {
    const loneStop = changes.length === 1 && changes[0]!.action === "Stop";
    if (pending.length > 0 && !loneStop) {
      throw conflict(
        "virtualmachine",
        vm.metadata.name ?? "",
        "unable to complete request: stop/start already underway",
      );
    }
    ops.push({
      op: "test",
      path: "/status/stateChangeRequests",
      value: status.stateChangeRequests ?? null,
    });
    ops.push({ op: "add", path: "/status/stateChangeRequests", value: changes });
  }
  if (status.startFailure !== undefined) ops.push({ op: "remove", path: "/status/startFailure" });
  return ops;
}

/** Flip the VM between Always and Halted, guarded by a test of the current value. */
export function runningPatch(vm: VmLike, running: boolean): JsonPatch {
  if (vm.spec?.runStrategy !== undefined || vm.spec?.running === undefined) {
    const value = running ? "Always" : "Halted";
    return vm.spec?.runStrategy !== undefined
      ? [
        { op: "test", path: "/spec/runStrategy", value: vm.spec.runStrategy },
        { op: "replace", path: "/spec/runStrategy", value },
      ]
      : [{ op: "add", path: "/spec/runStrategy", value }];
  }
  return [
    { op: "test", path: "/spec/running", value: vm.spec.running },
    { op: "replace", path: "/spec/running", value: running },
  ];
}
