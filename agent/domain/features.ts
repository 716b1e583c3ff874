/** `<features>`, `<clock>` and `<pm>`. */
import {
  CLOCK_TIMER_FIELDS,
  type Features,
  TICK_POLICIES,
  TIMER_TRACKS,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { DomainSpecError } from "./errors.ts";
import { secureBootOf } from "./os.ts";
import type { NodeFacts } from "./types.ts";
import { el, type XmlChild, type XmlElement } from "./xml.ts";

type State = { enabled?: boolean } | undefined;
const on = (state: State) => state !== undefined && state.enabled !== false;
const onOff = (value: boolean) => (value ? "on" : "off");

/** `<features>`: ACPI unless disabled (KubeVirt's default), the rest when set. */
export function featuresElement(spec: VirtualMachineInstanceSpec, node: NodeFacts): XmlElement {
  const features: Features = spec.domain.features ?? {};
  const secureBoot = secureBootOf(spec);
  if (secureBoot && features.smm?.enabled === false) {
    throw new DomainSpecError(
      "spec.domain.features.smm",
      "must not be disabled for EFI Secure Boot",
    );
  }
  if (!node.kvm && (features.hyperv || on(features.hypervPassthrough))) {
    // QEMU refuses them under TCG ("kernel doesn't allow setting HyperV VP_INDEX").
    throw new DomainSpecError(
      "spec.domain.features.hyperv",
      `Hyper-V enlightenments need KVM, which node ${node.name} does not have`,
    );
  }
  const apic = features.apic;
  return el(
    "features",
    {},
    features.acpi?.enabled !== false && el("acpi"),
    on(apic) &&
      el("apic", {
        eoi: apic?.endOfInterrupt === undefined ? undefined : onOff(apic.endOfInterrupt),
      }),
    hypervElement(features),
    // KVM's paravirtual features mean nothing to a TCG guest.
    node.kvm && features.kvm?.hidden !== undefined &&
      el("kvm", {}, el("hidden", { state: onOff(features.kvm.hidden) })),
    node.kvm && features.pvspinlock &&
      el("pvspinlock", { state: onOff(features.pvspinlock.enabled !== false) }),
    (secureBoot || on(features.smm)) && el("smm", { state: "on" }),
  );
}

function hypervElement(features: Features): XmlChild {
  if (on(features.hypervPassthrough)) return el("hyperv", { mode: "passthrough" });
  const hv = features.hyperv;
  if (!hv) return undefined;
  const flag = (
    name: string,
    state: State,
    extra: Record<string, string | number | undefined> = {},
  ) => state !== undefined && el(name, { state: onOff(state.enabled !== false), ...extra });
  return el(
    "hyperv",
    { mode: "custom" },
    flag("relaxed", hv.relaxed),
    flag("vapic", hv.vapic),
    flag("spinlocks", hv.spinlocks, {
      retries: hv.spinlocks?.enabled !== false ? hv.spinlocks?.spinlocks ?? 4096 : undefined,
    }),
    flag("vpindex", hv.vpindex),
    flag("runtime", hv.runtime),
    flag("synic", hv.synic),
    hv.synictimer !== undefined && el(
      "stimer",
      { state: onOff(hv.synictimer.enabled !== false) },
      hv.synictimer.direct &&
        el("direct", { state: onOff(hv.synictimer.direct.enabled !== false) }),
    ),
    flag("reset", hv.reset),
    flag("vendor_id", hv.vendorid, {
      value: hv.vendorid?.enabled !== false ? hv.vendorid?.vendorid : undefined,
    }),
    flag("frequencies", hv.frequencies),
    flag("reenlightenment", hv.reenlightenment),
    flag("tlbflush", hv.tlbflush),
    flag("ipi", hv.ipi),
    flag("evmcs", hv.evmcs),
  );
}

// libvirt's names of KubeVirt's timers.
const LIBVIRT_TIMERS: Record<string, string> = {
  hpet: "hpet",
  pit: "pit",
  rtc: "rtc",
  kvm: "kvmclock",
  hyperv: "hypervclock",
};

/** `<clock>`: UTC (with an optional offset) or a timezone, and the timers KubeVirt names. */
export function clockElement(spec: VirtualMachineInstanceSpec): XmlElement {
  const clock = spec.domain.clock;
  const offset = clock?.utc?.offsetSeconds;
  const attrs = clock?.timezone !== undefined
    ? { offset: "timezone", timezone: clock.timezone }
    : offset
    ? { offset: "variable", basis: "utc", adjustment: offset }
    : { offset: "utc" };
  const timers: XmlElement[] = [];
  for (const [key, timer] of Object.entries(clock?.timer ?? {})) {
    if (timer === undefined || timer === null) continue;
    const path = `spec.domain.clock.timer.${key}`;
    for (const field of Object.keys(timer)) {
      if (!CLOCK_TIMER_FIELDS[key]?.includes(field)) {
        throw new DomainSpecError(`${path}.${field}`, "unknown field");
      }
    }
    const { present, tickPolicy, track } = timer as Record<string, unknown>;
    if (present !== undefined && typeof present !== "boolean") {
      throw new DomainSpecError(`${path}.present`, "must be a boolean");
    }
    if (tickPolicy !== undefined && !TICK_POLICIES.includes(tickPolicy as string)) {
      throw new DomainSpecError(`${path}.tickPolicy`, `must be one of ${TICK_POLICIES.join(", ")}`);
    }
    if (track !== undefined && !TIMER_TRACKS.includes(track as string)) {
      throw new DomainSpecError(`${path}.track`, `must be one of ${TIMER_TRACKS.join(", ")}`);
    }
    timers.push(el("timer", {
      name: LIBVIRT_TIMERS[key],
      present: present === false ? "no" : "yes",
      tickpolicy: tickPolicy as string | undefined,
      track: track as string | undefined,
    }));
  }
  return el("clock", attrs, timers);
}

/** `<pm>`: no guest suspend, as in KubeVirt. */
export function pmElement(): XmlElement {
  return el(
    "pm",
    {},
    el("suspend-to-mem", { enabled: "no" }),
    el("suspend-to-disk", { enabled: "no" }),
  );
}
