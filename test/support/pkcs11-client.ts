/**
 * A PKCS #11 client made of the server's codec, for the protocol-level tests: it speaks to the
 * server over its Unix socket as p11-kit-client.so does (version byte, framed calls), in the
 * dialect of p11-kit 0.24 or 0.25; and the cluster those tests share (alice, bob and carol,
 * crypto users) with the server on a socket.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import type { EngineContext } from '../../src/core/context.js';
import { perform, type Caller } from '../../src/core/engine.js';
import { quickstart } from '../../src/core/cluster/quickstart.js';
import { createUser } from '../../src/core/users/operations.js';
import { CKF, CKR, CKU } from '../../src/server/pkcs11/constants.js';
import { createPkcs11Server, listenPkcs11, type Pkcs11Limits } from '../../src/server/pkcs11/server.js';
import { CALL_IDS, FrameReader, HANDSHAKE, decodeMessage, encodeFrame, encodeMessage, type Attribute, type Value } from '../../src/server/pkcs11/rpc.js';
import { tempDir, testContext } from './helpers.js';

export const ALICE_PIN = 'alice:alice-Pass1';
export const BOB_PIN = 'bob:bob-Pass12';
export const CAROL_PIN = 'carol:carol-Pass1';

export const bool = (type: number, v: boolean): Attribute => ({ type, length: 1, value: { kind: 'byte', byte: v ? 1 : 0 } });
export const ulong = (type: number, v: number): Attribute => ({ type, length: 8, value: { kind: 'ulong', ulong: BigInt(v) } });
export const bytes = (type: number, v: Uint8Array | string): Attribute => {
  const b = typeof v === 'string' ? new Uint8Array(Buffer.from(v)) : v;
  return { type, length: b.length, value: { kind: 'bytes', bytes: b } };
};
export const noParams = (type: number) => ({ type, params: { kind: 'bytes' as const, bytes: null } });
export const P256 = new Uint8Array(Buffer.from('06082a8648ce3d030107', 'hex'));

/** A PKCS #11 client over the codec: what p11-kit-client.so sends, call by call. */
export class Client {
  private readonly frames = new FrameReader();
  private version?: number;
  private readonly waiting = new Map<number, { resolve: (body: Buffer) => void; reject: (err: Error) => void }>();
  private nextCode = 1;
  private versionWaiter?: { resolve: (v: number) => void; reject: (err: Error) => void };
  closed = false;

  private constructor(
    private readonly socket: net.Socket,
    /** The client's p11-kit as its version byte says: 0 encodes as 0.24 does, 1 as 0.25. */
    readonly dialect: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.version === undefined) {
        this.version = chunk[0]!;
        this.versionWaiter?.resolve(this.version);
        chunk = chunk.subarray(1);
      }
      for (const f of this.frames.push(chunk)) this.waiting.get(f.code)?.resolve(f.body);
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of [...this.waiting.values(), ...(this.versionWaiter && this.version === undefined ? [this.versionWaiter] : [])]) w.reject(new Error('the server closed the connection'));
    });
  }

  static async connect(socketPath: string, version = 0): Promise<{ client: Client; version: number }> {
    const socket = net.connect(socketPath);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new Client(socket, version);
    const agreed = new Promise<number>((resolve, reject) => (client.versionWaiter = { resolve, reject }));
    socket.write(Buffer.of(version));
    return { client, version: await agreed };
  }

  static async open(socketPath: string, dialect = 0): Promise<Client> {
    const { client } = await Client.connect(socketPath, dialect);
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

  /** A logged-in read-write session of slot 0. */
  async session(pin: string): Promise<bigint> {
    const [handle] = await this.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION | CKF.RW_SESSION)]);
    await this.ok('C_Login', [handle!, BigInt(CKU.USER), { bytes: new Uint8Array(Buffer.from(pin)) }]);
    return handle as bigint;
  }

  /** The handles C_FindObjects gives for a template (up to 1000, more than any test makes). */
  async find(s: bigint, template: Attribute[]): Promise<bigint[]> {
    await this.ok('C_FindObjectsInit', [s, template]);
    const [found] = await this.ok('C_FindObjects', [s, 1000]);
    await this.ok('C_FindObjectsFinal', [s]);
    return (found as { values: bigint[] }).values;
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A cluster with three crypto users and the PKCS #11 server on a socket; `open` connects clients that `close` ends. */
export interface Pkcs11Fixture {
  ctx: EngineContext;
  clusterId: string;
  socketPath: string;
  server: net.Server;
  /** The server's log lines. */
  logged: string[];
  open(dialect?: number): Promise<Client>;
  close(): void;
}

export async function pkcs11Fixture(options: { limits?: Partial<Pkcs11Limits> } = {}): Promise<Pkcs11Fixture> {
  const ctx = await testContext('pkcs11');
  const { cluster } = await quickstart(ctx, { password: 'Admin123!' });
  const admin: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
  for (const pin of [ALICE_PIN, BOB_PIN, CAROL_PIN]) {
    const [username, password] = pin.split(':') as [string, string];
    await perform(ctx, createUser, { clusterId: cluster.ClusterId, username, role: 'crypto-user', password }, admin);
  }
  const socketPath = path.join(tempDir('p11-'), 'p.sock');
  const logged: string[] = [];
  const server = createPkcs11Server(ctx, { log: (line) => logged.push(line), ...(options.limits ? { limits: options.limits } : {}) });
  await listenPkcs11(server, socketPath);
  const clients: Client[] = [];
  return {
    ctx,
    clusterId: cluster.ClusterId,
    socketPath,
    server,
    logged,
    open: async (dialect = 0) => {
      const c = await Client.open(socketPath, dialect);
      clients.push(c);
      return c;
    },
    close: () => {
      for (const c of clients) c.close();
      server.close();
    },
  };
}
