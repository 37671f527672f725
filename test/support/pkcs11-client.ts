/**
 * A PKCS #11 client made of the server's codec, for protocol-level tests: it speaks to `serve
 * --pkcs11`'s socket as p11-kit-client.so does (the version byte, then framed calls), and
 * builders of the attribute and mechanism values calls carry.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { CKR } from '../../src/server/pkcs11/constants.js';
import { CALL_IDS, FrameReader, HANDSHAKE, decodeMessage, encodeFrame, encodeMessage, type Attribute, type Value } from '../../src/server/pkcs11/rpc.js';

/** A PKCS #11 client over the codec: what p11-kit-client.so sends, call by call. */
export class Client {
  private readonly frames = new FrameReader();
  private version?: number;
  private readonly waiting = new Map<number, { resolve: (body: Buffer) => void; reject: (err: Error) => void }>();
  private nextCode = 1;
  private versionWaiter?: (v: number) => void;
  closed = false;

  private constructor(
    private readonly socket: net.Socket,
    /** The version byte sent: as p11-kit of that version, the client encodes attribute values and mechanism parameters. */
    private readonly dialect: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.version === undefined) {
        this.version = chunk[0]!;
        this.versionWaiter?.(this.version);
        chunk = chunk.subarray(1);
      }
      for (const f of this.frames.push(chunk)) this.waiting.get(f.code)?.resolve(f.body);
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.values()) w.reject(new Error('the server closed the connection'));
    });
  }

  static async connect(socketPath: string, version = 0): Promise<{ client: Client; version: number }> {
    const socket = net.connect(socketPath);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new Client(socket, version);
    const agreed = new Promise<number>((resolve) => (client.versionWaiter = resolve));
    socket.write(Buffer.of(version));
    return { client, version: await agreed };
  }

  static async open(socketPath: string, version = 0): Promise<Client> {
    const { client } = await Client.connect(socketPath, version);
    await client.ok('C_Initialize', [{ bytes: new Uint8Array(Buffer.from(HANDSHAKE)) }, 0, { bytes: new Uint8Array(1) }]);
    return client;
  }

  /** Sends a call; resolves with its CKR value and, when OK, its response values. */
  call(name: string, values: Value[]): Promise<{ ckr: number; values: Value[] }> {
    return this.raw(encodeMessage(CALL_IDS[name]!, 'request', values, this.dialect)).then((body) => {
      const m = decodeMessage(body, 'response', this.dialect);
      return m.call.id === 0 ? { ckr: Number(m.values[0]), values: [] } : { ckr: CKR.OK, values: m.values };
    });
  }

  raw(body: Buffer): Promise<Buffer> {
    const code = this.nextCode++;
    return new Promise((resolve, reject) => {
      this.waiting.set(code, { resolve, reject });
      this.socket.write(encodeFrame(code, Buffer.from('p11-kit-client'), body));
    });
  }

  async ok(name: string, values: Value[]): Promise<Value[]> {
    const r = await this.call(name, values);
    assert.equal(r.ckr, CKR.OK, `${name} answered 0x${r.ckr.toString(16)}`);
    return r.values;
  }

  async ckr(name: string, values: Value[]): Promise<number> {
    return (await this.call(name, values)).ckr;
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

export const bool = (type: number, v: boolean): Attribute => ({ type, length: 1, value: { kind: 'byte', byte: v ? 1 : 0 } });
export const ulong = (type: number, v: number): Attribute => ({ type, length: 8, value: { kind: 'ulong', ulong: BigInt(v) } });
export const bytes = (type: number, v: Uint8Array | string): Attribute => {
  const b = typeof v === 'string' ? new Uint8Array(Buffer.from(v)) : v;
  return { type, length: b.length, value: { kind: 'bytes', bytes: b } };
};
export const noParams = (type: number) => ({ type, params: { kind: 'bytes' as const, bytes: null } });
export const P256 = new Uint8Array(Buffer.from('06082a8648ce3d030107', 'hex'));

/** A read-write session of slot 0 logged in with `pin` (username:password). */
export async function loggedIn(c: Client, pin: string, flags = 0x6): Promise<bigint> {
  const [handle] = await c.ok('C_OpenSession', [0n, BigInt(flags)]);
  await c.ok('C_Login', [handle!, 1n, { bytes: new Uint8Array(Buffer.from(pin)) }]);
  return handle as bigint;
}

/** The handles C_FindObjects gives for `template`. */
export async function findObjects(c: Client, s: bigint, template: Attribute[]): Promise<bigint[]> {
  await c.ok('C_FindObjectsInit', [s, template]);
  const [found] = await c.ok('C_FindObjects', [s, 1000]);
  await c.ok('C_FindObjectsFinal', [s]);
  return (found as { values: bigint[] }).values;
}
