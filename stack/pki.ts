/**
 * The stack's certificates, made with the openssl command: a cluster CA, serving certs, one
 * client identity per component, the service-account key pair and the front-proxy CA and
 * client that API aggregation needs. Existing files are kept, so `up` is idempotent.
 */
import { join } from "node:path";
import { runChecked } from "../lib/exec.ts";

export interface ClientIdentity {
  /** File stem: `<name>.crt` / `<name>.key`. */
  name: string;
  commonName: string;
  organizations?: string[];
}

/** The serving names every loopback server of the stack answers to. */
export const LOOPBACK_SANS = ["DNS:localhost", "IP:127.0.0.1"];

/** Files of the PKI directory. */
export function pkiFiles(dir: string) {
  return {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    frontProxyCaCert: join(dir, "front-proxy-ca.crt"),
    frontProxyCaKey: join(dir, "front-proxy-ca.key"),
    saKey: join(dir, "sa.key"),
    saPub: join(dir, "sa.pub"),
    cert: (name: string) => join(dir, `${name}.crt`),
    key: (name: string) => join(dir, `${name}.key`),
  };
}

/** Make (or keep) the CAs, the service-account keys, the serving certs and the client certs. */
export async function ensurePki(
  dir: string,
  servers: { name: string; sans: string[] }[],
  clients: ClientIdentity[],
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const files = pkiFiles(dir);
  await ensureCa(files.caCert, files.caKey, "denovirt-ca");
  await ensureCa(files.frontProxyCaCert, files.frontProxyCaKey, "denovirt-front-proxy-ca");
  if (!(await exists(files.saKey))) {
    await runChecked("openssl", [
      "genpkey",
      "-algorithm",
      "RSA",
      "-pkeyopt",
      "rsa_keygen_bits:2048",
      "-out",
      files.saKey,
    ]);
    await runChecked("openssl", ["pkey", "-in", files.saKey, "-pubout", "-out", files.saPub]);
  }
  for (const server of servers) {
    await ensureLeaf(
      dir,
      files.caCert,
      files.caKey,
      server.name,
      `/CN=${server.name}`,
      "serverAuth",
      server.sans,
    );
  }
  for (const client of clients) {
    const subject = (client.organizations ?? []).map((o) => `/O=${o}`).join("") +
      `/CN=${client.commonName}`;
    const [ca, caKey] = client.name === "front-proxy-client"
      ? [files.frontProxyCaCert, files.frontProxyCaKey]
      : [files.caCert, files.caKey];
    await ensureLeaf(dir, ca, caKey, client.name, subject, "clientAuth", []);
  }
}

/** Make a self-signed CA (EC P-256, ten years) unless its certificate exists. */
export async function ensureCa(cert: string, key: string, commonName: string) {
  if (await exists(cert)) return;
  await runChecked("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "3650",
    "-subj",
    `/CN=${commonName}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
  ]);
}

/** Make a certificate signed by the CA, serverAuth or clientAuth, unless it exists. */
export async function ensureLeaf(
  dir: string,
  caCert: string,
  caKey: string,
  name: string,
  subject: string,
  usage: "serverAuth" | "clientAuth",
  sans: string[],
) {
  const files = pkiFiles(dir);
  if (await exists(files.cert(name))) return;
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await runChecked("openssl", [
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    files.key(name),
    "-out",
    csr,
    "-subj",
    subject,
  ]);
  const lines = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${usage}`,
  ];
  if (sans.length > 0) lines.push(`subjectAltName=${sans.join(",")}`);
  await Deno.writeTextFile(ext, lines.join("\n") + "\n");
  await runChecked("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    caCert,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-out",
    files.cert(name),
    "-days",
    "3650",
    "-extfile",
    ext,
  ]);
  await Deno.remove(csr);
  await Deno.remove(ext);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
