import assert from "node:assert/strict";
import { AGENT_FINALIZER, type Pod, type VMI } from "../../api/mod.ts";
import { plan } from "./plan.ts";
import type { Observation, ObservedDomain } from "./types.ts";

const NODE = "node-a";
const NOW = "2026-01-01T00:01:00Z";
const UID = "11111111-2222-3333-4444-555555555555";

function vmi(
  phase: string,
  opts: {
    finalizer?: boolean;
    deletedAt?: string;
    node?: string;
    uid?: string;
    grace?: number;
    startPaused?: boolean;
  } = {},
): VMI {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: {
      namespace: "ns",
      name: "vm",
      uid: opts.uid ?? UID,
      resourceVersion: "7",
      finalizers: opts.finalizer === false ? [] : [AGENT_FINALIZER],
      ...(opts.deletedAt ? { deletionTimestamp: opts.deletedAt } : {}),
    },
    spec: {
      domain: { devices: { interfaces: [{ name: "default", masquerade: {} }] } },
      networks: [{ name: "default", pod: {} }],
      ...(opts.grace !== undefined ? { terminationGracePeriodSeconds: opts.grace } : {}),
      ...(opts.startPaused ? { startStrategy: "Paused" as const } : {}),
    },
    status: { phase: phase as "Running", nodeName: opts.node ?? NODE },
  } as unknown as VMI;
}

function domain(
  state: ObservedDomain["state"],
  reason = "unknown",
  owner: ObservedDomain["owner"] | null = { uid: UID, node: NODE },
): ObservedDomain {
  return {
    name: "ns_vm",
    uuid: "dddddddd-0000-0000-0000-000000000000",
    state,
    reason,
    owner: owner ?? undefined,
    live: state === "shutoff" ? undefined : {
      interfaces: [{ name: "default", mac: "52:54:00:aa:bb:cc", type: "user" }],
      disks: [],
      machine: "q35",
    },
  };
}

function launcherPod(status: Pod["status"]): Pod {
  return {
    metadata: { namespace: "ns", name: "virt-launcher-vm-abcde", uid: "pod-uid" },
    spec: { nodeName: NODE, containers: [{ name: "compute" }] },
    status,
  };
}

/** A running launcher pod whose deletion (grace `grace`) ends at `deadline`. */
function deletedPod(deadline: string, grace: number): Pod {
  const pod = launcherPod({ phase: "Running" });
  pod.metadata = {
    ...pod.metadata,
    deletionTimestamp: deadline,
    deletionGracePeriodSeconds: grace,
  };
  return pod;
}

function observe(
  v: VMI | undefined,
  d: ObservedDomain | undefined,
  extra: Partial<Observation> = {},
): Observation {
  return { key: "ns/vm", node: NODE, kvm: false, now: NOW, vmi: v, domain: d, ...extra };
}

/** The action types of a plan, with the phase of any status write and the reason of events. */
function summary(o: Observation): string[] {
  const p = plan(o);
  const steps = p.actions.map((a) => {
    if (a.type === "writeStatus") {
      return `status:${a.status.phase}${a.status.reason ? `/${a.status.reason}` : ""}`;
    }
    if (a.type === "event") return `event:${a.reason}`;
    if (a.type === "startDomain") return a.paused ? "startDomain(paused)" : "startDomain";
    if (a.type === "removeFiles") return a.keepSerialLog ? "removeFiles(keepLog)" : "removeFiles";
    return a.type;
  });
  if (p.blocked) steps.push("blocked");
  return steps;
}

const cases: Array<[string, Observation, string[]]> = [
  [
    "a Scheduled VMI without a domain gets the finalizer, then its domain",
    observe(vmi("Scheduled", { finalizer: false }), undefined),
    [
      "addFinalizer",
      "startDomain",
    ],
  ],
  [
    "startStrategy Paused starts the domain paused",
    observe(vmi("Scheduled", { startPaused: true }), undefined),
    ["startDomain(paused)"],
  ],
  [
    "a Scheduled VMI waits, with no failure or event, while the fence gate refuses starts",
    observe(vmi("Scheduled", { finalizer: false }), undefined, { startsRefused: "fenced" }),
    ["addFinalizer"],
  ],
  [
    "a defined, never started domain waits while the fence gate refuses starts",
    observe(vmi("Scheduled"), domain("shutoff", "unknown"), { startsRefused: "fenced" }),
    [],
  ],
  [
    "a Running VMI keeps its status current while the fence gate refuses starts",
    observe(vmi("Running"), domain("running", "booted"), { startsRefused: "fenced" }),
    ["status:Running"],
  ],
  [
    "a Scheduled VMI whose domain runs becomes Running",
    observe(vmi("Scheduled"), domain("running", "booted")),
    [
      "status:Running",
      "event:Created",
      "event:Started",
    ],
  ],
  [
    "a defined, never started domain is started",
    observe(vmi("Scheduled"), domain("shutoff", "unknown")),
    ["startDomain"],
  ],
  [
    "a guest that powered off makes the VMI Succeeded; its domain goes, its log stays",
    observe(vmi("Running"), domain("shutoff", "shutdown")),
    [
      "status:Succeeded",
      "event:Stopped",
      "undefine",
      "removeFiles(keepLog)",
    ],
  ],
  [
    "a domain destroyed outside the agent fails the VMI",
    observe(vmi("Running"), domain("shutoff", "destroyed")),
    [
      "status:Failed/Destroyed",
      "event:Destroyed",
      "undefine",
      "removeFiles(keepLog)",
    ],
  ],
  ["a crashed guest fails the VMI", observe(vmi("Running"), domain("shutoff", "crashed")), [
    "status:Failed/Crashed",
    "event:Crashed",
    "undefine",
    "removeFiles(keepLog)",
  ]],
  ["a failed start fails the VMI", observe(vmi("Scheduled"), domain("shutoff", "failed")), [
    "status:Failed/FailedStart",
    "event:FailedStart",
    "undefine",
    "removeFiles(keepLog)",
  ]],
  ["a Running VMI whose domain vanished fails", observe(vmi("Running"), undefined), [
    "status:Failed/DomainLost",
    "event:DomainLost",
    "removeFiles(keepLog)",
  ]],
  ["a paused domain is reflected as paused", observe(vmi("Running"), domain("paused", "user")), [
    "status:Running",
  ]],
  [
    "a deleted Running VMI's guest is asked to shut down within its grace period",
    observe(
      vmi("Running", { deletedAt: "2026-01-01T00:00:50Z", grace: 30 }),
      domain("running", "booted"),
    ),
    ["shutdown", "event:ShuttingDown"],
  ],
  [
    "the shutdown request is not repeated",
    observe(
      vmi("Running", { deletedAt: "2026-01-01T00:00:50Z", grace: 30 }),
      domain("running", "booted"),
      { shutdownRequestedAt: Date.parse("2026-01-01T00:00:51Z") },
    ),
    [],
  ],
  [
    "after the grace period the domain is destroyed and everything removed",
    observe(
      vmi("Running", { deletedAt: "2026-01-01T00:00:20Z", grace: 30 }),
      domain("running", "booted"),
    ),
    ["status:Failed", "destroy", "undefine", "removeFiles", "removeFinalizer", "event:Deleted"],
  ],
  [
    "a deleted VMI whose guest shut down within its grace period ends Succeeded and is released",
    observe(
      vmi("Running", { deletedAt: "2026-01-01T00:00:50Z", grace: 30 }),
      domain("shutoff", "shutdown"),
    ),
    ["status:Succeeded", "undefine", "removeFiles", "removeFinalizer", "event:Deleted"],
  ],
  [
    "a deleted VMI whose domain is still starting is destroyed at once",
    observe(
      vmi("Scheduled", { deletedAt: "2026-01-01T00:00:59Z", grace: 30 }),
      domain("running", "booted"),
    ),
    ["status:Failed", "destroy", "undefine", "removeFiles", "removeFinalizer", "event:Deleted"],
  ],
  [
    "a paused, deleted VMI is destroyed at once",
    observe(
      vmi("Running", { deletedAt: "2026-01-01T00:00:59Z" }),
      domain("paused", "user"),
    ),
    ["status:Failed", "destroy", "undefine", "removeFiles", "removeFinalizer", "event:Deleted"],
  ],
  [
    "a deleted VMI without a domain is released",
    observe(vmi("Running", { deletedAt: NOW }), undefined),
    [
      "status:Failed",
      "removeFiles",
      "removeFinalizer",
    ],
  ],
  [
    "a deleted VMI already released is left alone",
    observe(vmi("Running", { deletedAt: NOW, finalizer: false }), undefined),
    [],
  ],
  [
    "a Succeeded VMI with a leftover domain has it removed",
    observe(vmi("Succeeded"), domain("shutoff", "shutdown")),
    [
      "undefine",
      "removeFiles(keepLog)",
    ],
  ],
  [
    "a Failed VMI whose domain still runs is destroyed",
    observe(vmi("Failed", { finalizer: false }), domain("running")),
    [
      "destroy",
      "undefine",
      "removeFiles(keepLog)",
    ],
  ],
  ["a domain whose VMI is gone is torn down", observe(undefined, domain("running", "booted")), [
    "destroy",
    "undefine",
    "removeFiles",
  ]],
  [
    "a domain of an earlier VMI of the same name is torn down first",
    observe(
      vmi("Scheduled", { uid: "99999999-2222-3333-4444-555555555555" }),
      domain("running", "booted"),
    ),
    ["destroy", "undefine", "removeFiles"],
  ],
  [
    "a domain without denovirt metadata is never touched",
    observe(undefined, domain("running", "booted", null)),
    [],
  ],
  [
    "a VMI whose name a foreign domain holds is blocked",
    observe(vmi("Scheduled"), domain("running", "booted", null)),
    [
      "blocked",
    ],
  ],
  [
    "another node's domain on a shared libvirtd is never touched",
    observe(
      undefined,
      domain("running", "booted", { uid: UID, node: "node-b" }),
    ),
    [],
  ],
  [
    "a VMI bound to another node is not touched",
    observe(vmi("Scheduled", { node: "node-b" }), undefined),
    [],
  ],
  [
    "Pending and Scheduling VMIs belong to the controllers",
    observe(vmi("Scheduling"), undefined),
    [],
  ],
  [
    "a deleted launcher pod stops the guest gracefully",
    observe(vmi("Running"), domain("running", "booted"), {
      launcherPod: deletedPod("2026-01-01T00:01:30Z", 32),
    }),
    ["shutdown", "event:ShuttingDown"],
  ],
  [
    "a deleted launcher pod's guest is forced off after the VMI's grace, not the padded pod's",
    observe(vmi("Running", { grace: 2 }), domain("running", "booted"), {
      launcherPod: deletedPod("2026-01-01T00:01:29Z", 32),
      shutdownRequestedAt: Date.parse("2026-01-01T00:00:57Z"),
    }),
    ["destroy"],
  ],
  ["a guest shutting down is awaited", observe(vmi("Running"), domain("shutdown", "user")), []],
];

for (const [name, observation, expected] of cases) {
  Deno.test(`plan() ${name}`, () => {
    assert.deepEqual(summary(observation), expected);
  });
}

Deno.test("plan() writes no status when the Running status is already current", () => {
  const first = plan(observe(vmi("Scheduled"), domain("running", "booted")));
  const write = first.actions.find((a) => a.type === "writeStatus");
  assert.ok(write && write.type === "writeStatus");
  const running = vmi("Running");
  running.status = write.status;
  assert.deepEqual(plan(observe(running, domain("running", "booted"))).actions, []);
});

Deno.test("plan() checks the pod network of a running guest this process did not start, once", () => {
  const first = plan(observe(vmi("Scheduled"), domain("running", "booted")));
  const write = first.actions.find((a) => a.type === "writeStatus");
  assert.ok(write && write.type === "writeStatus");
  const running = vmi("Running");
  running.status = write.status;
  // After a restart of the agent (its pod replaced, the guest's DHCP server gone with it).
  const adopted = observe(running, domain("running", "booted"), { networkUnchecked: true });
  assert.deepEqual(plan(adopted).actions, [{ type: "ensureNetwork" }]);
  // Checked, or started by this process: nothing to do.
  assert.deepEqual(plan(observe(running, domain("running", "booted"))).actions, []);
  // Not while the guest is still starting (the start wires it) or migrating.
  const scheduled = observe(vmi("Scheduled"), domain("running", "booted"), {
    networkUnchecked: true,
  });
  assert.ok(!plan(scheduled).actions.some((a) => a.type === "ensureNetwork"));
  const inFlight = { migrationUid: "m1", targetNode: "node-b", sourceNode: "node-a" };
  const migrating = { ...running, status: { ...running.status, migrationState: inFlight } };
  assert.ok(
    !plan(observe(migrating as VMI, domain("running", "booted"), { networkUnchecked: true }))
      .actions.some((a) => a.type === "ensureNetwork"),
  );
  // A guest that migrated here long ago keeps the ended migration's state in its status.
  const migrated = {
    ...running,
    status: { ...running.status, migrationState: { ...inFlight, completed: true } },
  };
  assert.ok(
    plan(observe(migrated as VMI, domain("running", "booted"), { networkUnchecked: true }))
      .actions.some((a) => a.type === "ensureNetwork"),
  );
});

Deno.test("plan() reports the interface MAC and the Paused condition by user", () => {
  const p = plan(observe(vmi("Running"), domain("paused", "user")));
  const write = p.actions[0];
  assert.ok(write?.type === "writeStatus");
  assert.deepEqual(write.status.interfaces, [{
    name: "default",
    infoSource: "domain",
    mac: "52:54:00:aa:bb:cc",
    linkState: "up",
  }]);
  const paused = write.status.conditions?.find((c) => c.type === "Paused");
  assert.equal(paused?.status, "True");
  assert.equal(paused?.reason, "PausedByUser");
});

Deno.test("plan() keeps AgentConnected while the guest agent's channel is connected", () => {
  const connected = domain("running", "booted");
  connected.live = { ...connected.live!, guestAgentConnected: true };
  const write = plan(observe(vmi("Running"), connected)).actions[0];
  assert.ok(write?.type === "writeStatus");
  const condition = write.status.conditions?.find((c) => c.type === "AgentConnected");
  assert.equal(condition?.status, "True");
  assert.equal(condition?.lastTransitionTime, NOW);

  const withCondition = vmi("Running");
  withCondition.status = { ...withCondition.status, conditions: write.status.conditions ?? [] };
  const gone = plan(observe(withCondition, domain("running", "booted"))).actions[0];
  assert.ok(gone?.type === "writeStatus");
  assert.equal(gone.status.conditions?.find((c) => c.type === "AgentConnected"), undefined);
});

Deno.test("plan() reports the guest agent's OS as guestOSInfo, {} before any report", () => {
  const before = plan(observe(vmi("Running"), domain("running", "booted"))).actions[0];
  assert.ok(before?.type === "writeStatus");
  assert.deepEqual(before.status.guestOSInfo, {});
  const reported = domain("running", "booted");
  const os = { id: "denovirt-fixture", name: "denovirt guest fixture" };
  reported.live = { ...reported.live!, guestAgentConnected: true, guestOS: os };
  const after = plan(observe(vmi("Running"), reported)).actions[0];
  assert.ok(after?.type === "writeStatus");
  assert.deepEqual(after.status.guestOSInfo, os);
  // The agent gone (a reboot): the last report stays.
  const kept = vmi("Running");
  kept.status = { ...kept.status, guestOSInfo: os };
  const away = plan(observe(kept, domain("running", "booted"))).actions[0];
  assert.ok(away?.type === "writeStatus");
  assert.deepEqual(away.status.guestOSInfo, os);
});

Deno.test("plan() reports the launcher pod's IPs on the pod-network interface", () => {
  const pod = launcherPod({
    phase: "Running",
    podIP: "10.244.0.5",
    podIPs: [{ ip: "10.244.0.5" }],
  });
  const p = plan(observe(vmi("Running"), domain("running", "booted"), { launcherPod: pod }));
  const write = p.actions[0];
  assert.ok(write?.type === "writeStatus");
  assert.deepEqual(write.status.interfaces, [{
    name: "default",
    infoSource: "domain",
    mac: "52:54:00:aa:bb:cc",
    ipAddress: "10.244.0.5",
    ipAddresses: ["10.244.0.5"],
    podInterfaceName: "eth0",
    linkState: "up",
  }]);
});

Deno.test("plan() adds the guest agent's addresses to the interfaces as virt-handler, kept while it does not answer", () => {
  const pod = launcherPod({
    phase: "Running",
    podIP: "10.244.0.5",
    podIPs: [{ ip: "10.244.0.5" }],
  });
  const reported = domain("running", "booted");
  reported.live = {
    ...reported.live!,
    guestAgentConnected: true,
    guestInterfaces: [{
      interfaceName: "eth0",
      mac: "52:54:00:aa:bb:cc",
      ip: "10.0.2.2",
      ips: ["10.0.2.2", "fe80::5054:ff:feaa:bbcc"],
    }],
  };
  const write = plan(observe(vmi("Running"), reported, { launcherPod: pod })).actions[0];
  assert.ok(write?.type === "writeStatus");
  const merged = [{
    name: "default",
    infoSource: "domain, guest-agent",
    interfaceName: "eth0",
    mac: "52:54:00:aa:bb:cc",
    // Masquerade: the pod's IP is how the VM is reached; the guest's link-local IPv6 is not.
    ipAddress: "10.244.0.5",
    ipAddresses: ["10.244.0.5"],
    podInterfaceName: "eth0",
    linkState: "up",
  }];
  assert.deepEqual(write.status.interfaces, merged);
  const silent = domain("running", "booted");
  silent.live = { ...silent.live!, guestAgentConnected: true };
  const kept = vmi("Running");
  kept.status = { ...kept.status, interfaces: merged };
  const again = plan(observe(kept, silent, { launcherPod: pod })).actions[0];
  assert.ok(again?.type === "writeStatus");
  assert.deepEqual(again.status.interfaces, merged);
  // No agent: the domain's view alone.
  const alone = plan(observe(kept, domain("running", "booted"), { launcherPod: pod })).actions[0];
  assert.ok(alone?.type === "writeStatus");
  assert.equal(alone.status.interfaces?.[0]?.infoSource, "domain");
});

Deno.test("plan() writes Ready from the launcher pod's readiness once the guest runs", () => {
  const readyPod = launcherPod({
    phase: "Running",
    conditions: [{ type: "Ready", status: "True" }],
  });
  const ready = (o: Observation) => {
    const write = plan(o).actions.find((a) => a.type === "writeStatus");
    return write?.type === "writeStatus"
      ? write.status.conditions?.find((c) => c.type === "Ready")
      : undefined;
  };
  assert.equal(
    ready(observe(vmi("Scheduled"), domain("running", "booted"), { launcherPod: readyPod }))
      ?.status,
    "True",
  );
  const notReady = ready(observe(vmi("Scheduled"), domain("running", "booted"), {
    launcherPod: launcherPod({ phase: "Running", conditions: [] }),
  }));
  assert.deepEqual([notReady?.status, notReady?.reason], ["False", "PodConditionMissing"]);
  const ended = ready(observe(vmi("Running"), domain("shutoff", "shutdown"), {
    launcherPod: readyPod,
  }));
  assert.deepEqual([ended?.status, ended?.reason], ["False", "GuestNotRunning"]);
});

Deno.test("plan() fails a VMI whose launcher pod is gone or ended, saying how, and stops its guest", () => {
  const cases: Array<[Partial<Observation>, string]> = [
    [{ launcherPodMissing: true }, "status:Failed/LauncherPodMissing"],
    [{ launcherPod: launcherPod({ phase: "Failed" }) }, "status:Failed/LauncherPodFailed"],
    [
      { launcherPod: launcherPod({ phase: "Failed", reason: "Evicted", message: "low memory" }) },
      "status:Failed/LauncherPodEvicted",
    ],
    [{ launcherPod: launcherPod({ phase: "Succeeded" }) }, "status:Failed/LauncherPodCompleted"],
  ];
  for (const [extra, status] of cases) {
    for (const phase of ["Scheduled", "Running"]) {
      assert.deepEqual(summary(observe(vmi(phase), domain("running", "booted"), extra)), [
        status,
        `event:${status.split("/")[1]}`,
        "destroy",
        "undefine",
        "removeFiles(keepLog)",
      ], `${phase}: ${status}`);
    }
  }
});

Deno.test("plan() looks again at the end of the grace period while a guest shuts down", () => {
  const p = plan(observe(
    vmi("Running", { deletedAt: "2026-01-01T00:00:58Z", grace: 3 }),
    domain("running"),
  ));
  assert.equal(p.requeueAfterMs, 1_050);
});

Deno.test("plan() writes LiveMigratable and migrationMethod with the running status", () => {
  const withClaim = (v: VMI) =>
    ({
      ...v,
      spec: { ...v.spec, volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }] },
    }) as VMI;
  const cases: Array<[string, VMI, Record<string, string[]>, string, string, string]> = [
    ["masquerade, no disks", vmi("Running"), {}, "True", "", "LiveMigration"],
    [
      "a ReadWriteOnce claim",
      withClaim(vmi("Running")),
      { data: ["ReadWriteOnce"] },
      "False",
      "DisksNotLiveMigratable",
      "BlockMigration",
    ],
    [
      "a shared claim",
      withClaim(vmi("Running")),
      { data: ["ReadWriteMany"] },
      "True",
      "",
      "LiveMigration",
    ],
  ];
  for (const [name, v, modes, status, reason, method] of cases) {
    const p = plan(observe(v, domain("running"), { claimAccessModes: modes }));
    const write = p.actions.find((a) => a.type === "writeStatus");
    assert.ok(write?.type === "writeStatus", name);
    const condition = write.status.conditions?.find((c) => c.type === "LiveMigratable");
    assert.equal(condition?.status, status, name);
    assert.equal(condition?.reason ?? "", reason, name);
    assert.equal(write.status.migrationMethod, method, name);
  }
});

Deno.test("plan() removes the files a migration that stopped targeting this node left here", () => {
  assert.deepEqual(plan(observe(undefined, undefined, { departedTarget: "uid-1" })).actions, [
    { type: "removeFiles", uid: "uid-1", keepSerialLog: false },
  ]);
  assert.deepEqual(plan(observe(undefined, undefined)).actions, [], "nothing left: nothing to do");
});

Deno.test("plan() prepares no migration target while the fence gate refuses starts", () => {
  const incoming = {
    ...vmi("Running", { node: "node-b" }),
    status: {
      phase: "Running",
      nodeName: "node-b",
      migrationState: {
        migrationUid: "m1",
        sourceNode: "node-b",
        targetNode: NODE,
        targetPod: "virt-launcher-vm-t",
      },
    },
  } as unknown as VMI;
  const targetPod = { metadata: { name: "virt-launcher-vm-t", uid: "tp" } } as Pod;
  const ready = observe(incoming, undefined, { targetPod, nodeAddress: "10.0.0.1" });
  assert.deepEqual(summary(ready), ["prepareTarget", "writeMigrationState"]);
  assert.deepEqual(summary({ ...ready, startsRefused: "fenced" }), []);
});
