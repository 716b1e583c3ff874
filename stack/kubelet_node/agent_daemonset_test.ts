import assert from "node:assert/strict";
import { podAgentArgs, stackAgentDaemonSet } from "./agent_daemonset.ts";

Deno.test("podAgentArgs: drops what the kubelet does (registering, the pods' CNI), keeps the rest", () => {
  assert.deepEqual(
    podAgentArgs([
      "--port=1",
      "--node-name=$(NODE_NAME)",
      "--register-node",
      "--cni-conf-dir=/c",
      "--cni-bin-dir=/b",
      "--cni-conf-template=/t",
      "--data-dir=/d",
    ]),
    ["--port=1", "--node-name=$(NODE_NAME)", "--data-dir=/d"],
  );
});

Deno.test("stackAgentDaemonSet: a privileged host-network pod of kubelet nodes, never pulled", () => {
  const ds = stackAgentDaemonSet({
    image: "localhost/denovirt:1",
    args: ["--port=1"],
    port: 1,
    hostDirs: ["/h/nodes"],
    readOnlyHostDirs: ["/h/pki"],
  });
  const pod = ds.spec.template.spec;
  assert.deepEqual(pod.nodeSelector, { "denovirt.io/kubelet-node": "true" });
  assert.equal(pod.hostNetwork, true);
  const agent = pod.containers[0]!;
  assert.deepEqual(agent.args, ["agent", "--port=1"]);
  assert.equal(agent.imagePullPolicy, "Never");
  assert.deepEqual(agent.readinessProbe.httpGet, { scheme: "HTTPS", path: "/readyz", port: 1 });
  assert.equal(agent.securityContext.privileged, true);
  assert.deepEqual(agent.volumeMounts.slice(0, 2), [
    { name: "host-0", mountPath: "/h/nodes", readOnly: false },
    { name: "host-1", mountPath: "/h/pki", readOnly: true },
  ]);
  assert.deepEqual(agent.volumeMounts[2], {
    name: "netns",
    mountPath: "/run/netns",
    mountPropagation: "HostToContainer",
  });
  assert.deepEqual(pod.volumes[1], {
    name: "host-1",
    hostPath: { path: "/h/pki", type: "Directory" },
  });
});
