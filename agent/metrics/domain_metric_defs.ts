/**
 * The per-VMI metrics virt-handler exports, each with KubeVirt's name, help and type, and the
 * libvirt domain-statistics field it is read from (scaled to seconds and bytes). Data only.
 */

type Kind = "counter" | "gauge";

/** One metric read from a field: name, help, type, and how the field's value converts. */
export interface Def {
  name: string;
  help: string;
  type: Kind;
  field: string;
  scale?: number;
}

const NS = 1e-9;
const KIB = 1024;

export const CPU: Def[] = [
  def(
    "cpu_usage_seconds_total",
    "counter",
    "cpu.time",
    NS,
    "Total CPU time spent in all modes (sum of both vcpu and hypervisor usage).",
  ),
  def(
    "cpu_user_usage_seconds_total",
    "counter",
    "cpu.user",
    NS,
    "Total CPU time spent in user mode.",
  ),
  def(
    "cpu_system_usage_seconds_total",
    "counter",
    "cpu.system",
    NS,
    "Total CPU time spent in system mode.",
  ),
];

export const MEMORY: Def[] = [
  def(
    "memory_resident_bytes",
    "gauge",
    "balloon.rss",
    KIB,
    "Resident set size of the process running the domain.",
  ),
  def(
    "memory_available_bytes",
    "gauge",
    "balloon.available",
    KIB,
    "Amount of usable memory as seen by the domain. This value may not be accurate if a balloon driver is in use or if the guest OS does not initialize all assigned pages",
  ),
  def(
    "memory_unused_bytes",
    "gauge",
    "balloon.unused",
    KIB,
    "The amount of memory left completely unused by the system. Memory that is available but used for reclaimable caches should NOT be reported as free.",
  ),
  def(
    "memory_cached_bytes",
    "gauge",
    "balloon.disk_caches",
    KIB,
    "The amount of memory that is being used to cache I/O and is available to be reclaimed, corresponds to the sum of `Buffers` + `Cached` + `SwapCached` in `/proc/meminfo`.",
  ),
  def(
    "memory_swap_in_traffic_bytes",
    "gauge",
    "balloon.swap_in",
    KIB,
    "The total amount of data read from swap space of the guest in bytes.",
  ),
  def(
    "memory_swap_out_traffic_bytes",
    "gauge",
    "balloon.swap_out",
    KIB,
    "The total amount of memory written out to swap space of the guest in bytes.",
  ),
  def(
    "memory_pgmajfault_total",
    "counter",
    "balloon.major_fault",
    1,
    "The number of page faults when disk IO was required. Page faults occur when a process makes a valid access to virtual memory that is not available. When servicing the page fault, if disk IO is required, it is considered as major fault.",
  ),
  def(
    "memory_pgminfault_total",
    "counter",
    "balloon.minor_fault",
    1,
    "The number of other page faults, when disk IO was not required. Page faults occur when a process makes a valid access to virtual memory that is not available. When servicing the page fault, if disk IO is NOT required, it is considered as minor fault.",
  ),
  def(
    "memory_actual_balloon_bytes",
    "gauge",
    "balloon.current",
    KIB,
    "Current balloon size in bytes.",
  ),
  def(
    "memory_usable_bytes",
    "gauge",
    "balloon.usable",
    KIB,
    "The amount of memory which can be reclaimed by balloon without pushing the guest system to swap, corresponds to 'Available' in /proc/meminfo.",
  ),
  def(
    "memory_domain_bytes",
    "gauge",
    "balloon.maximum",
    KIB,
    "The amount of memory in bytes allocated to the domain. The `memory` value in domain xml file.",
  ),
];

/** Per interface: the field after `net.N.`. */
export const NETWORK: Def[] = [
  def(
    "network_receive_bytes_total",
    "counter",
    "rx.bytes",
    1,
    "Total network traffic received in bytes.",
  ),
  def(
    "network_transmit_bytes_total",
    "counter",
    "tx.bytes",
    1,
    "Total network traffic transmitted in bytes.",
  ),
  def(
    "network_receive_packets_total",
    "counter",
    "rx.pkts",
    1,
    "Total network traffic received packets.",
  ),
  def(
    "network_transmit_packets_total",
    "counter",
    "tx.pkts",
    1,
    "Total network traffic transmitted packets.",
  ),
  def(
    "network_receive_errors_total",
    "counter",
    "rx.errs",
    1,
    "Total network received error packets.",
  ),
  def(
    "network_transmit_errors_total",
    "counter",
    "tx.errs",
    1,
    "Total network transmitted error packets.",
  ),
  def(
    "network_receive_packets_dropped_total",
    "counter",
    "rx.drop",
    1,
    "The total number of rx packets dropped on vNIC interfaces.",
  ),
  def(
    "network_transmit_packets_dropped_total",
    "counter",
    "tx.drop",
    1,
    "The total number of tx packets dropped on vNIC interfaces.",
  ),
];

/** Per block device: the field after `block.N.`. */
export const STORAGE: Def[] = [
  def("storage_iops_read_total", "counter", "rd.reqs", 1, "Total number of I/O read operations."),
  def("storage_iops_write_total", "counter", "wr.reqs", 1, "Total number of I/O write operations."),
  def(
    "storage_read_traffic_bytes_total",
    "counter",
    "rd.bytes",
    1,
    "Total number of bytes read from storage.",
  ),
  def(
    "storage_write_traffic_bytes_total",
    "counter",
    "wr.bytes",
    1,
    "Total number of written bytes.",
  ),
  def(
    "storage_read_times_seconds_total",
    "counter",
    "rd.times",
    NS,
    "Total time spent on read operations.",
  ),
  def(
    "storage_write_times_seconds_total",
    "counter",
    "wr.times",
    NS,
    "Total time spent on write operations.",
  ),
  def("storage_flush_requests_total", "counter", "fl.reqs", 1, "Total storage flush requests."),
  def(
    "storage_flush_times_seconds_total",
    "counter",
    "fl.times",
    NS,
    "Total time spent on cache flushing.",
  ),
];

/** Per vCPU: the field after `vcpu.N.`; `time` also carries the vCPU's state. */
export const VCPU: Def[] = [
  def(
    "vcpu_seconds_total",
    "counter",
    "time",
    NS,
    "Total amount of time spent in each state by each vcpu (cpu_time excluding hypervisor time). Where `id` is the vcpu identifier and `state` can be one of the following: [`OFFLINE`, `RUNNING`, `BLOCKED`].",
  ),
  def(
    "vcpu_wait_seconds_total",
    "counter",
    "wait",
    NS,
    "Amount of time spent by each vcpu while waiting on I/O.",
  ),
  def(
    "vcpu_delay_seconds_total",
    "counter",
    "delay",
    NS,
    "Amount of time spent by each vcpu waiting in the queue instead of running.",
  ),
];

/** virVcpuState as KubeVirt names it in the `state` label. */
export const VCPU_STATES: Record<number, string> = { 0: "offline", 1: "running", 2: "blocked" };

function def(suffix: string, type: Kind, field: string, scale: number, help: string): Def {
  return { name: `kubevirt_vmi_${suffix}`, help, type, field, scale };
}
