import assert from "node:assert/strict";
import { upstreamUpgradeRequest } from "./ws_proxy.ts";

Deno.test("upstreamUpgradeRequest() rewrites the console path and host, keeps the WebSocket headers, drops cookies", () => {
  const request = upstreamUpgradeRequest(
    "GET",
    "/console/api/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachineinstances/vm/console?x=1",
    [
      "Host",
      "127.0.0.1:9443",
      "Upgrade",
      "websocket",
      "Sec-WebSocket-Protocol",
      "plain.kubevirt.io, base64url.bearer.authorization.k8s.io.dG9r",
      "Cookie",
      "a=b",
      "Origin",
      "https://127.0.0.1:9443",
    ],
    "127.0.0.1:6443",
  );
  assert.equal(
    request,
    "GET /apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachineinstances/vm/console?x=1 HTTP/1.1\r\n" +
      "Host: 127.0.0.1:6443\r\nUpgrade: websocket\r\n" +
      "Sec-WebSocket-Protocol: plain.kubevirt.io, base64url.bearer.authorization.k8s.io.dG9r\r\n\r\n",
  );
  assert.equal(upstreamUpgradeRequest("GET", "/apis/x", [], "h"), undefined);
});
