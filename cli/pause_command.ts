/** `denovirt pause vm|vmi NAME` and `denovirt unpause vm|vmi NAME`, as virtctl's. */
import {
  KUBE_FLAGS_USAGE,
  parseKubeArgs,
  putSubresource,
  runVerb,
  UsageError,
} from "./kube_command.ts";

const usage = (verb: string) =>
  `Usage: denovirt ${verb} vm|vmi NAME [--dry-run] [flags]

${
    verb === "pause"
      ? "Pause"
      : "Unpause"
  } the VMI of a VirtualMachine (vm) or a VirtualMachineInstance (vmi)
(PUT .../virtualmachineinstances/NAME/${verb}).

  --dry-run   only check that it could be done
${KUBE_FLAGS_USAGE}`;

function pauseVerb(verb: "pause" | "unpause") {
  return (args: string[]) =>
    runVerb(usage(verb), async () => {
      const cli = parseKubeArgs(args, { "dry-run": { type: "boolean" } });
      if (cli.help) return (console.log(usage(verb)), 0);
      const [kind, name, ...rest] = cli.positionals;
      if ((kind !== "vm" && kind !== "vmi") || !name || rest.length > 0) {
        throw new UsageError(`Expected "vm NAME" or "vmi NAME"`);
      }
      const what = kind === "vm" ? "VirtualMachine" : "VirtualMachineInstance";
      return await putSubresource({
        kubeconfig: cli.kubeconfig(),
        namespace: cli.namespace(),
        resource: "virtualmachineinstances",
        name,
        subresource: verb,
        body: cli.values["dry-run"] ? { dryRun: ["All"] } : {},
        done: `VMI ${name} was scheduled to ${verb}`,
        failed: `Error ${verb === "pause" ? "pausing" : "unpausing"} ${what} ${name}`,
      });
    });
}

/** Pause one VM's or VMI's guest. */
export const pauseCommand = pauseVerb("pause");
/** Unpause one VM's or VMI's guest. */
export const unpauseCommand = pauseVerb("unpause");
