import assert from "node:assert/strict";
import { stackPaths } from "../paths.ts";
import { kubeletNode } from "./kubelet_nodes.ts";
import { mountScript } from "./kubelet_mount_ns.ts";

Deno.test("mountScript: a private /run with a shared /run/netns of the node, made in that order", () => {
  const lines = mountScript(stackPaths("/h"), kubeletNode(1), true).split("\n");
  const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
  const clearRun = at(/^awk '\$5 ~ "\^\/run\/".*umount -l$/);
  const tmpfs = at(/^mount -t tmpfs dvkubelet-1-run \/run$/);
  const bind = at(/mount --bind '\/h\/kubelet-nodes\/denovirt-kubelet-1\/netns' '\/run\/netns'$/);
  const shared = at(/^mount --make-shared \/run\/netns$/);
  assert.ok(clearRun >= 0 && clearRun < tmpfs && tmpfs < bind && bind < shared, lines.join("\n"));
  assert.ok(at(/'\/h\/kubelet-nodes\/denovirt-kubelet-1\/libvirt\/run' '\/run\/libvirt'$/) > tmpfs);
});

Deno.test("mountScript: hides /dev/kvm only where KVM does not work", () => {
  assert.doesNotMatch(mountScript(stackPaths("/h"), kubeletNode(1), true), /rm -f "\$stage\/kvm"/);
  assert.match(mountScript(stackPaths("/h"), kubeletNode(1), false), /rm -f "\$stage\/kvm"/);
});

Deno.test("mountScript: the node's data at the stack's data path and at the cluster agent's", () => {
  const script = mountScript(stackPaths("/h"), kubeletNode(1), true);
  const data = "'/h/kubelet-nodes/denovirt-kubelet-1/data'";
  assert.match(script, new RegExp(`mount --bind ${data} '/h/data'$`, "m"));
  assert.match(script, new RegExp(`mount --bind ${data} '/var/lib/denovirt'$`, "m"));
});
