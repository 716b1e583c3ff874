/** A raw RFB (VNC) client handshake, enough to read the server's framebuffer size and name. */

/** Reads exact byte counts from a stream of chunks. */
export class ByteReader {
  #buffer = new Uint8Array(0);
  constructor(private readonly next: () => Promise<Uint8Array | null>) {}

  /** The next `n` bytes; throws if the stream ends first. */
  async read(n: number): Promise<Uint8Array> {
    while (this.#buffer.length < n) {
      const chunk = await this.next();
      if (chunk === null) throw new Error(`The VNC stream ended before ${n} bytes arrived`);
      const joined = new Uint8Array(this.#buffer.length + chunk.length);
      joined.set(this.#buffer);
      joined.set(chunk, this.#buffer.length);
      this.#buffer = joined;
    }
    const out = this.#buffer.slice(0, n);
    this.#buffer = this.#buffer.slice(n);
    return out;
  }
}

/** What ServerInit says. */
export interface ServerInit {
  version: string;
  width: number;
  height: number;
  name: string;
}

/**
 * RFB 3.8 (or 3.3) handshake with security type None, a shared ClientInit, and ServerInit
 * (RFC 6143 sections 7.1-7.3).
 */
export async function rfbHandshake(
  reader: ByteReader,
  write: (bytes: Uint8Array) => Promise<unknown>,
): Promise<ServerInit> {
  const version = new TextDecoder().decode(await reader.read(12));
  if (!/^RFB 003\.00\d\n$/.test(version)) throw new Error(`Not an RFB server: ${version}`);
  const ours = version === "RFB 003.003\n" ? version : "RFB 003.008\n";
  await write(new TextEncoder().encode(ours));
  if (ours === "RFB 003.008\n") {
    const [count] = await reader.read(1);
    const types = await reader.read(count!);
    if (!types.includes(1)) throw new Error(`The server offers no security type None: ${types}`);
    await write(new Uint8Array([1]));
    const result = new DataView((await reader.read(4)).buffer).getUint32(0);
    if (result !== 0) throw new Error(`The server refused security type None: ${result}`);
  } else {
    const type = new DataView((await reader.read(4)).buffer).getUint32(0);
    if (type !== 1) throw new Error(`The server wants security type ${type}, not None`);
  }
  await write(new Uint8Array([1])); // shared
  const head = new DataView((await reader.read(24)).buffer);
  const name = new TextDecoder().decode(await reader.read(head.getUint32(20)));
  return { version: version.trim(), width: head.getUint16(0), height: head.getUint16(2), name };
}
