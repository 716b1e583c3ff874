/** `denovirt up`: the local stack, ready to use. */
import { parseArgs } from "node:util";
import { up } from "../stack/up.ts";
import { registryHints } from "../stack/stack_registry.ts";

/** Bring the stack up and print what to try next. */
export async function upCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      home: { type: "string" },
      "no-roles": { type: "boolean" },
      "no-demo": { type: "boolean" },
      nodes: { type: "string" },
      "kubelet-nodes": { type: "string" },
      "for-cluster-install": { type: "boolean" },
    },
    strict: true,
  });
  const started = Date.now();
  const stack = await up({
    home: values.home,
    roles: !values["no-roles"],
    demo: !values["no-roles"] && !values["no-demo"] && !values["for-cluster-install"],
    nodes: values.nodes === undefined ? 1 : Number(values.nodes),
    kubeletNodes: Number(values["kubelet-nodes"] ?? 0),
    forClusterInstall: values["for-cluster-install"] ?? false,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const kubectl = `kubectl --kubeconfig ${stack.paths.kubeconfig}`;
  console.log(
    [
      "",
      `The local stack is up (${seconds} s). API server: ${stack.server}`,
      `Kubeconfig: ${stack.paths.kubeconfig}`,
      `libvirt: ${stack.libvirtUri} (${stack.kvm ? "KVM" : "TCG software emulation"})`,
      `Nodes: ${
        [...stack.nodes, ...stack.kubeletNodes].map((n) => `${n.name} (${n.address})`).join(", ")
      }`,
      "",
      ...(values["for-cluster-install"] ? clusterInstallHints(kubectl, stack.registry) : []),
      "Try:",
      `  ${kubectl} get --raw /readyz`,
      `  ${kubectl} get nodes,pods -A`,
      `  ${kubectl} get vms,vmis -A`,
      `  KUBECONFIG=${stack.paths.kubeconfig} npx -y deno@2.9.6 task cli console demo   # Ctrl+] leaves`,
      `  KUBECONFIG=${stack.paths.kubeconfig} npx -y deno@2.9.6 task cli stop demo`,
      "  npx -y deno@2.9.6 task down        # stop it (down --purge also removes its home)",
      "",
      ...registryHints(stack.ports),
    ].join("\n"),
  );
  return 0;
}

/** The commands that install denovirt from manifests/cluster on a stack that made room for it. */
function clusterInstallHints(kubectl: string, registry: string): string[] {
  const patch = JSON.stringify({ data: { insecureRegistries: `${registry}\n` } });
  return [
    "Install denovirt as pods (manifests/cluster/README.md):",
    `  ${kubectl} apply -k manifests/cluster`,
    `  ${kubectl} -n denovirt patch configmap denovirt-config --type=merge -p '${patch}'`,
    `  ${kubectl} -n denovirt rollout status ds/denovirt-agent`,
    "",
  ];
}
