/** One disk import through the node agent, timed, with the agent's memory sampled meanwhile. */
import type { RestClient } from "../lib/kube/rest.ts";
import { type AgentPeaks, resetHighWaterMark, sampleAgent } from "./agent_rss.ts";
import {
  claimEventReasons,
  createDataVolume,
  type DataVolumeSource,
  deleteAndWaitForVolume,
  type Phases,
  untilSucceeded,
} from "./data_volume_client.ts";
import { statusKiB } from "./import_images.ts";
import type { Sample } from "./import_report.ts";
import { sleep } from "./pace.ts";

/** How long after the volume is gone the agent's RSS is read again ("after"). */
export const AFTER_SETTLE_MS = 3_000;

/** Where the imports run and whom they report to. */
export interface AgentImportContext {
  rest: RestClient;
  namespace: string;
  agentPid: number;
  /** Bytes of the image, for the import's time limit. */
  size: number;
  say: (line: string) => void;
}

/** One DataVolume imported by the agent from `source`, timed, then deleted with its volume. */
export async function importThroughAgent(
  ctx: AgentImportContext,
  name: string,
  source: DataVolumeSource,
  storage: string,
): Promise<Sample> {
  const { rest, namespace, agentPid, size, say } = ctx;
  const beforeMiB = (await statusKiB(agentPid, "VmRSS")) / 1024;
  // Resets VmHWM to the current RSS, so that it catches peaks between samples too.
  const hwmReset = await resetHighWaterMark(agentPid);
  const sampler = sampleAgent(agentPid);
  const timeout = AbortSignal.timeout(Math.max(600_000, (size / 2e6) * 1000));
  const created = performance.now();
  let phases: Phases | undefined;
  let memory: AgentPeaks | undefined;
  try {
    const dv = await createDataVolume(rest, { namespace, name, source, storage });
    phases = await untilSucceeded(rest, dv, AbortSignal.any([timeout, sampler.gone]));
  } finally {
    memory = await sampler.stop();
  }
  const hwmMiB = hwmReset ? (await statusKiB(agentPid, "VmHWM")) / 1024 : undefined;
  const timeline = [...phases.firstSeen].map(([phase, at]) =>
    `${phase} +${((at - created) / 1000).toFixed(2)} s`
  );
  const claimEvents = await claimEventReasons(rest, namespace, phases.dv.status?.claimName ?? name);
  const freed = await deleteAndWaitForVolume(rest, phases.dv);
  // What the agent keeps once the import is over and its volume gone: what it gave back.
  await sleep(AFTER_SETTLE_MS);
  const afterMiB = (await statusKiB(agentPid, "VmRSS")) / 1024;
  say(
    `${name}: ${timeline.join(", ")}; PV gone ${freed.toFixed(2)} s after the delete`,
  );
  const inProgress = phases.firstSeen.get("ImportInProgress");
  return {
    seconds: (phases.succeededAt - created) / 1000,
    ...(inProgress === undefined ? {} : { toInProgressS: (inProgress - created) / 1000 }),
    beforeMiB,
    ...memory,
    afterMiB,
    ...(hwmMiB === undefined ? {} : { hwmMiB: Math.max(hwmMiB, memory.peakMiB) }),
    restarts: phases.dv.status?.restartCount ?? 0,
    freedS: freed,
    events: claimEvents,
  };
}
