import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import { peerOf, rejectUpgrade } from "./https_server.ts";

Deno.test("peerOf() reports the certificate's CN only with the TLS verdict beside it", () => {
  const verified = {
    authorized: true,
    getPeerCertificate: () => ({ subject: { CN: "front-proxy-client" } }),
  };
  assert.deepEqual(peerOf(verified), { authorized: true, commonName: "front-proxy-client" });
  const stranger = {
    authorized: false,
    authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    getPeerCertificate: () => ({ subject: { CN: ["evil", "other"] } }),
  };
  assert.deepEqual(peerOf(stranger), {
    authorized: false,
    commonName: "evil",
    authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  });
  const none = { authorized: false, getPeerCertificate: () => ({}) };
  assert.deepEqual(peerOf(none), { authorized: false });
});

Deno.test("rejectUpgrade() answers an HTTP error with the body's length and closes", () => {
  let written = "";
  const socket = new Duplex({
    read() {},
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  });
  rejectUpgrade(socket, { code: 403, body: { kind: "Status", message: "nö" } });
  const [head, body] = written.split("\r\n\r\n");
  assert.match(head!, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(head!, /\r\ncontent-length: 33\r\n/);
  assert.match(head!, /\r\nconnection: close$/);
  assert.deepEqual(JSON.parse(body!), { kind: "Status", message: "nö" });
});
