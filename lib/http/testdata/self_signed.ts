/** Test helper: a throwaway CA and a serving certificate it signed for 127.0.0.1 (openssl). */
export async function servingCertificate(
  dir: string,
): Promise<{ ca: string; cert: string; key: string }> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(["req", "-x509", ...ec, "-keyout", `${dir}/ca.key`, "-out", `${dir}/ca.crt`], [
    ...["-days", "1", "-subj", "/CN=test-ca"],
  ]);
  await openssl(["req", "-new", ...ec, "-keyout", `${dir}/tls.key`, "-out", `${dir}/tls.csr`], [
    "-subj",
    "/CN=127.0.0.1",
  ]);
  await Deno.writeTextFile(`${dir}/ext.cnf`, "subjectAltName=IP:127.0.0.1\n");
  await openssl(["x509", "-req", "-in", `${dir}/tls.csr`, "-CA", `${dir}/ca.crt`], [
    ...["-CAkey", `${dir}/ca.key`, "-CAcreateserial", "-days", "1"],
    ...["-extfile", `${dir}/ext.cnf`, "-out", `${dir}/tls.crt`],
  ]);
  const read = (name: string) => Deno.readTextFile(`${dir}/${name}`);
  return { ca: await read("ca.crt"), cert: await read("tls.crt"), key: await read("tls.key") };
}

async function openssl(args: string[], more: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command("openssl", {
    args: [...args, ...more],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`openssl failed: ${new TextDecoder().decode(stderr)}`);
}
