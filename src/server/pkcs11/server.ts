/**
 * The PKCS #11 server (`cloudhsm-local serve --pkcs11`): the server side of p11-kit's RPC
 * protocol on a Unix socket, so that any PKCS #11 program reaches the cluster through p11-kit's
 * `p11-kit-client.so` (P11_KIT_SERVER_ADDRESS=unix:path=SOCKET). It is an edge like a command:
 * every call that touches the HSM runs a core operation through `perform()`, so the login and
 * lockout, ownership, sharing and attribute rules and the audit log are the CLI's.
 *
 * The PKCS #11 model is the CloudHSM PKCS #11 library's: one slot per cluster (IDs given in the
 * order clusters are first seen, stable while the server runs), a token that needs a crypto
 * user's login with the PIN `username:password`, object handles that are key references. A
 * connection is one application: its login to a slot covers all its sessions of that slot (as
 * PKCS #11 says) and is a login session of the core, which other processes see and which ends
 * with C_Logout, the last session's close, C_Finalize or the connection's end. Session keys
 * (CKA_TOKEN false) live with that login.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { EngineContext } from '../../core/context.js';
import { perform, type Caller, type Operation } from '../../core/engine.js';
import { describeClusters } from '../../core/cluster/operations.js';
import type { ClusterDescription } from '../../core/cluster/shapes.js';
import { generateKeyPair } from '../../core/keys/generate.js';
import { listKeys } from '../../core/keys/operations.js';
import { sign, verify, type SignInput } from '../../core/keys/sign.js';
import { byReference, type KeySelector } from '../../core/keys/selector.js';
import { CURVES as KEY_CURVES, type KeyView } from '../../core/keys/model.js';
import { random } from '../../core/keys/data-operations.js';
import { closeConnection, login, logout } from '../../core/users/operations.js';
import { digestInfoPrefix } from '../../core/mechanisms/der.js';
import { mgf1Name } from '../../core/mechanisms/choices.js';
import { CURVES, HASHES, type EcCurve, type HashName } from '../../core/mechanisms/table.js';
import { answerAttribute, matchesTemplate, readKeyTemplate, selectorTerms } from './attributes.js';
import { objectCalls, readableValue } from './objects.js';
import { CKA, CKF, CKR, CKS, CKU, UNAVAILABLE } from './constants.js';
import { CkrError, ckrName, ckrOf, type CallKind } from './errors.js';
import { cryptoCalls } from './crypto.js';
import { KEY_PAIR_MECHANISMS, MECHANISM_INFOS, SIGN_MECHANISMS, hashOfDigestLength, hashOfDigestMechanism, hashOfMgf, type SignMechanismSpec } from './mechanisms.js';
import {
  FRAME_HEADER_BYTES,
  FrameReader,
  HANDSHAKE,
  RpcProtocolError,
  bytesOf,
  decodeMessage,
  encodeError,
  encodeFrame,
  encodeMessage,
  type Attribute,
  type AttributeRequest,
  type ByteArray,
  type Mechanism,
  type Message,
  type Value,
} from './rpc.js';

/** The protocol version this server answers every client with: 0, which every p11-kit client speaks (see rpc.ts). */
export const PROTOCOL_VERSION = 0;
/** keys.md §8: PKCS #11 sessions per application. */
export const MAX_SESSIONS = 1024;
/**
 * Request bytes read but not yet answered above which a connection stops reading; an answer the
 * client has not read stops it too, until the socket drains. A client that sends without reading
 * its answers (1 MiB of C_GenerateRandom per 33-byte request) holds no more than this.
 */
const MAX_UNANSWERED_BYTES = 32 * 1024 * 1024;
/** The same for all connections together: above it every connection stops reading until answers bring it down. */
export const MAX_SERVER_UNANSWERED_BYTES = 8 * MAX_UNANSWERED_BYTES;
/** The most data a multi-part signature gathers before C_SignFinal. */
const MAX_MULTIPART_BYTES = 64 * 1024 * 1024;
/** The multi-part data one connection may hold across all its sessions (two operations at their limit). */
export const MAX_CONNECTION_HELD_BYTES = 2 * MAX_MULTIPART_BYTES;
/** The multi-part data all connections together may hold. */
export const MAX_SERVER_HELD_BYTES = 4 * MAX_CONNECTION_HELD_BYTES;
/** Applications connected at once (p11-kit's client module opens one connection per process). */
export const MAX_CONNECTIONS = 128;
/** The PIN is `username:password`: 1-31 characters, a colon, 7-32 characters (users-and-auth.md). */
const PIN_LENGTH = { min: 1 + 1 + 7, max: 31 + 1 + 32 };

export interface Pkcs11Limits {
  connections: number;
  connectionHeldBytes: number;
  serverHeldBytes: number;
  connectionUnansweredBytes: number;
  serverUnansweredBytes: number;
}

export interface Pkcs11ServerOptions {
  /** One line per connection and per refused call (never a PIN or key material). */
  log?: (line: string) => void;
  /** Lower limits than the defaults (MAX_CONNECTIONS, MAX_CONNECTION_HELD_BYTES, MAX_SERVER_HELD_BYTES, the unanswered bytes), for tests. */
  limits?: Partial<Pkcs11Limits>;
}

/** What the connections of one server share: the slots, and what counts against the server-wide limits. */
interface Shared {
  readonly slots: SlotTable;
  readonly connections: Set<Connection>;
  readonly limits: Pkcs11Limits;
  /** Request bytes read and not yet answered, over all connections, and the most there have been. */
  unanswered: number;
  peakUnanswered: number;
  /** Connections that stopped reading because of the server-wide bound. */
  readonly blocked: Set<Connection>;
}

const serverStates = new WeakMap<net.Server, Shared>();

/** How much unanswered request data a server holds now and has held at most (tests and diagnostics). */
export function pkcs11ServerLoad(server: net.Server): { unansweredBytes: number; peakUnansweredBytes: number } | undefined {
  const shared = serverStates.get(server);
  return shared && { unansweredBytes: shared.unanswered, peakUnansweredBytes: shared.peakUnanswered };
}

export interface Login {
  clusterId: string;
  username: string;
  caller: Caller & { session: NonNullable<Caller['session']> };
}

interface Operation11 {
  purpose: 'sign' | 'verify';
  spec: SignMechanismSpec;
  keyRef: number;
  signatureBytes: number;
  pss?: { hash: HashName; mgf: HashName; saltLength: number };
  parts?: Buffer[];
  partBytes: number;
}

export interface Session11 {
  slotId: number;
  clusterId: string;
  rw: boolean;
  found?: number[];
  operation?: Operation11;
}

const pad = (text: string, length: number) => new Uint8Array(Buffer.from(text.slice(0, length).padEnd(length, ' '), 'latin1'));
const ulong = (n: number | bigint) => BigInt(n);

/** A CK_ULONG from the wire as a number, or the refusal `ckr` when it is no handle or count the server could have given. */
function small(v: Value, ckr: number, what: string): number {
  const n = v as bigint;
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new CkrError(ckr, `${what} ${String(n)} is not one this server gave`);
  return Number(n);
}

/** An `ay` answer for a caller with `room` bytes: the bytes, or their length alone when it asked for the size or has too little room. */
function answerBytes(bytes: Uint8Array, room: number): ByteArray {
  return room === 0 || room < bytes.length ? { bytes: null, length: bytes.length } : { bytes };
}

/** The clusters as slots: IDs given in order of first sight, never reused while the server runs. */
class SlotTable {
  private readonly ids: string[] = [];

  constructor(private readonly ctx: EngineContext) {}

  async clusters(): Promise<Array<{ slotId: number; cluster: ClusterDescription }>> {
    const { Clusters } = await perform(this.ctx, describeClusters, {});
    const live = Clusters.filter((c) => c.State !== 'DELETED').sort((a, b) => a.CreateTimestamp - b.CreateTimestamp || a.ClusterId.localeCompare(b.ClusterId));
    for (const c of live) if (!this.ids.includes(c.ClusterId)) this.ids.push(c.ClusterId);
    return live.map((cluster) => ({ slotId: this.ids.indexOf(cluster.ClusterId), cluster })).sort((a, b) => a.slotId - b.slotId);
  }

  /** The cluster of a slot, or undefined when it has gone (CKR_TOKEN_NOT_PRESENT). Refuses a slot ID never given. */
  async slot(slotId: Value): Promise<{ slotId: number; cluster?: ClusterDescription }> {
    const id = small(slotId, CKR.SLOT_ID_INVALID, 'slot');
    const all = await this.clusters();
    if (id >= this.ids.length) throw new CkrError(CKR.SLOT_ID_INVALID, `there is no slot ${id}; C_GetSlotList gives the slots (one per cluster)`);
    return { slotId: id, cluster: all.find((s) => s.slotId === id)?.cluster };
  }
}

/** The server's calls with the secret-key and data calls of crypto.ts over them (which hand the asymmetric signatures back). */
const withCryptoCalls = (host: CallHost, base: CallTable): CallTable => ({ ...base, ...cryptoCalls(host, base) });

const tokenPresent = (c: ClusterDescription | undefined) => c !== undefined && c.Hsms.some((h) => h.State === 'ACTIVE');

export type Handler = (values: Value[]) => Promise<Value[]> | Value[];
/** The calls a connection answers, by name, each with its kind (which refusals log as key refusals). */
export type CallTable = Record<string, { kind: CallKind; run: Handler }>;

/** What a connection lends the calls of crypto.ts and objects.ts: its sessions, logins, key look-up and the one dispatch point. */
export interface CallHost {
  session(handle: Value): Session11;
  /** Registers what a module's operations hold of a session's multi-part data, for the connection's budget. */
  countHeld(held: (s: Session11) => number): void;
  /** Refuses (CKR_DEVICE_MEMORY) `more` bytes of multi-part data beyond the connection's budget, across all its sessions. */
  reserve(more: number): void;
  /** Registers how a module ends what a session holds of a login (its operations), for when the login ends. */
  onLoginEnd(end: (s: Session11) => void): void;
  loginOf(s: Session11): Login;
  run<I extends { clusterId?: string }, O, P>(l: Login, op: Operation<I, O, P>, input: Omit<I, 'clusterId'>): Promise<O>;
  key(l: Login, handle: Value, invalid: number): Promise<KeyView>;
}

/** One client connection: one application's PKCS #11 state. */
class Connection implements CallHost {
  private dialect?: number;
  /** What each module's operations hold of a session's multi-part data (this file's signatures among them). */
  private readonly holders: Array<(s: Session11) => number> = [(s) => s.operation?.partBytes ?? 0];
  /** What each module ends of a session's work when its login ends (this file's searches and signatures among them). */
  private readonly loginEnders: Array<(s: Session11) => void> = [
    (s) => {
      delete s.found;
      delete s.operation;
    },
  ];
  private readonly frames = new FrameReader();
  private queue: Promise<void> = Promise.resolve();
  private unanswered = 0;
  /** Waiting for the client to read what was written: reading stays stopped until then. */
  private draining = false;
  private initialized = false;
  private readonly sessions = new Map<number, Session11>();
  private nextSession = 1;
  private readonly logins = new Map<string, Login>();
  private readonly handlers: CallTable;

  private readonly slots: SlotTable;

  constructor(
    private readonly ctx: EngineContext,
    private readonly shared: Shared,
    private readonly socket: net.Socket,
    private readonly log: (line: string) => void,
  ) {
    this.slots = shared.slots;
    this.handlers = this.table();
    shared.connections.add(this);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      shared.connections.delete(this);
      shared.blocked.delete(this);
      this.queue = this.queue.then(() => this.endAll());
    });
  }

  private receive(chunk: Buffer): void {
    if (this.dialect === undefined) {
      // rpc-transport.c: one version byte from the client, one back with the version to use.
      this.dialect = chunk[0]!;
      this.socket.write(Buffer.of(PROTOCOL_VERSION));
      chunk = chunk.subarray(1);
      if (chunk.length === 0) return;
    }
    let frames;
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.abandon(err);
      return;
    }
    const shared = this.shared;
    for (const frame of frames) {
      const size = FRAME_HEADER_BYTES + frame.options.length + frame.body.length;
      this.unanswered += size;
      shared.unanswered += size;
      shared.peakUnanswered = Math.max(shared.peakUnanswered, shared.unanswered);
      if (!this.mayRead()) {
        this.socket.pause();
        if (shared.unanswered > shared.limits.serverUnansweredBytes) shared.blocked.add(this);
      }
      this.queue = this.queue.then(async () => {
        try {
          if (this.socket.destroyed) return;
          const body = await this.answer(frame.body);
          if (body && !this.socket.write(encodeFrame(frame.code, new Uint8Array(0), body))) await this.drained();
        } finally {
          this.unanswered -= size;
          shared.unanswered -= size;
          this.resumeIfAllowed();
          if (shared.unanswered <= shared.limits.serverUnansweredBytes) {
            for (const c of shared.blocked) {
              shared.blocked.delete(c);
              c.resumeIfAllowed();
            }
          }
        }
      });
    }
  }

  /** Whether this connection may read more requests now: its own and the server's unanswered bytes, and its client reading its answers. */
  private mayRead(): boolean {
    const { connectionUnansweredBytes, serverUnansweredBytes } = this.shared.limits;
    return !this.draining && this.unanswered <= connectionUnansweredBytes && this.shared.unanswered <= serverUnansweredBytes;
  }

  resumeIfAllowed(): void {
    if (!this.socket.destroyed && this.mayRead()) this.socket.resume();
  }

  /** Stops reading until the client has read the answers written so far (or is gone). */
  private drained(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    this.socket.pause();
    this.draining = true;
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done).off('close', done);
        this.draining = false;
        resolve();
      };
      this.socket.on('drain', done).on('close', done);
    });
  }

  private abandon(err: unknown): void {
    this.log(`PKCS#11: closing a connection that broke the protocol: ${err instanceof Error ? err.message : String(err)}`);
    this.socket.destroy();
  }

  /** The response body to a request body, or undefined when the connection must close. */
  private async answer(body: Buffer): Promise<Buffer | undefined> {
    let message: Message;
    try {
      message = decodeMessage(body, 'request', this.dialect);
    } catch (err) {
      this.abandon(err);
      return undefined;
    }
    const name = message.call.name;
    const handler = this.handlers[name];
    try {
      if (!handler) throw new CkrError(CKR.FUNCTION_NOT_SUPPORTED, `${name} is not supported by this server yet`);
      if (!this.initialized && name !== 'C_Initialize') throw new CkrError(CKR.CRYPTOKI_NOT_INITIALIZED, `${name} before C_Initialize`);
      return encodeMessage(message.call.id, 'response', await handler.run(message.values), this.dialect);
    } catch (err) {
      if (err instanceof RpcProtocolError) {
        this.abandon(err);
        return undefined;
      }
      const ckr = ckrOf(err, handler?.kind);
      // A refused login's message names the username the PIN gave, which is the password when the PIN is given the wrong way round: its CKR says enough.
      const why = err instanceof Error && handler?.kind !== 'login' ? ` (${err.message})` : '';
      this.log(`PKCS#11 ${name}: ${ckrName(ckr)}${why}`);
      return encodeError(ckr);
    }
  }

  // ------------------------------------------------------------------------------------------
  // State helpers (the four below are the CallHost that crypto.ts and objects.ts borrow)

  countHeld(held: (s: Session11) => number): void {
    this.holders.push(held);
  }

  onLoginEnd(end: (s: Session11) => void): void {
    this.loginEnders.push(end);
  }

  /** The multi-part data this connection's sessions hold. */
  held(): number {
    let held = 0;
    for (const s of this.sessions.values()) for (const holder of this.holders) held += holder(s);
    return held;
  }

  reserve(more: number): void {
    const { connectionHeldBytes, serverHeldBytes } = this.shared.limits;
    const held = this.held();
    if (held + more > connectionHeldBytes) {
      throw new CkrError(CKR.DEVICE_MEMORY, `this application's sessions hold ${held} bytes of multi-part data; at most ${connectionHeldBytes} in all: finish the other operations first`);
    }
    let all = 0;
    for (const c of this.shared.connections) all += c.held();
    if (all + more > serverHeldBytes) {
      throw new CkrError(CKR.DEVICE_MEMORY, `the server's applications hold ${all} bytes of multi-part data; at most ${serverHeldBytes} in all: try again when their operations end`);
    }
  }

  session(handle: Value): Session11 {
    const id = small(handle, CKR.SESSION_HANDLE_INVALID, 'session');
    const s = this.sessions.get(id);
    if (!s) throw new CkrError(CKR.SESSION_HANDLE_INVALID, `session ${id} is not open`);
    return s;
  }

  loginOf(s: Session11): Login {
    const l = this.logins.get(s.clusterId);
    if (!l) throw new CkrError(CKR.USER_NOT_LOGGED_IN, `log in to slot ${s.slotId} first (C_Login with the PIN username:password of a crypto user)`);
    return l;
  }

  run<I extends { clusterId?: string }, O, P>(l: Login, op: Operation<I, O, P>, input: Omit<I, 'clusterId'>): Promise<O> {
    return perform(this.ctx, op, { ...input, clusterId: l.clusterId } as I, l.caller);
  }

  /** The key a handle names, as its user sees it. */
  async key(l: Login, handle: Value, invalid: number): Promise<KeyView> {
    const ref = small(handle, invalid, 'handle');
    const { keys } = await this.run(l, listKeys, { filter: byReference(ref), maxItems: 1 });
    const key = keys[0];
    if (!key) throw new CkrError(invalid, `no object ${ref} that ${l.username} can see`);
    return key;
  }

  private async endLogin(clusterId: string, op: typeof logout  ): Promise<void> {
    const l = this.logins.get(clusterId);
    if (!l) return;
    this.logins.delete(clusterId);
    l.caller.sessionKeys?.clear();
    // PKCS #11 §5.6: the login's handles are no longer valid; the searches and operations its sessions hold end with it.
    for (const s of this.sessions.values()) if (s.clusterId === clusterId) for (const end of this.loginEnders) end(s);
    await this.run(l, op, {}).catch((err: unknown) => this.log(`PKCS#11: ending ${l.username}'s login: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async endAll(): Promise<void> {
    this.sessions.clear();
    for (const clusterId of [...this.logins.keys()]) await this.endLogin(clusterId, closeConnection);
  }

  private async closeSession(handle: number): Promise<void> {
    const s = this.sessions.get(handle);
    if (!s) return;
    this.sessions.delete(handle);
    // PKCS #11 §5.6: closing a token's last session logs the application out of it.
    if (![...this.sessions.values()].some((o) => o.clusterId === s.clusterId)) await this.endLogin(s.clusterId, closeConnection);
  }

  // ------------------------------------------------------------------------------------------
  // The calls

  private table(): CallTable {
    const general = (run: Handler) => ({ kind: 'general' as const, run });
    return withCryptoCalls(this, {
      C_Initialize: general(([handshake]) => {
        if (Buffer.from(bytesOf(handshake)).toString('latin1') !== HANDSHAKE) throw new CkrError(CKR.GENERAL_ERROR, 'C_Initialize did not carry the p11-kit handshake');
        if (this.initialized) throw new CkrError(CKR.CRYPTOKI_ALREADY_INITIALIZED, 'C_Initialize twice on one connection');
        this.initialized = true;
        return [];
      }),
      C_Finalize: general(async () => {
        await this.endAll();
        this.initialized = false;
        return [];
      }),
      C_GetInfo: general(() => [{ major: 2, minor: 40 }, pad('cloudhsm-local', 32), 0n, pad('CloudHSM emulator over p11-kit', 32), { major: 0, minor: 1 }]),
      C_GetSlotList: general(async ([present, room]) => {
        const ids = (await this.slots.clusters()).filter((s) => present === 0 || tokenPresent(s.cluster)).map((s) => ulong(s.slotId));
        return [room === 0 || (room as number) < ids.length ? { values: null, length: ids.length } : { values: ids }];
      }),
      C_GetSlotInfo: general(async ([slot]) => {
        const { cluster } = await this.slots.slot(slot!);
        const flags = (tokenPresent(cluster) ? CKF.TOKEN_PRESENT : 0) | CKF.HW_SLOT;
        return [pad(`CloudHSM cluster ${cluster?.ClusterId ?? '(deleted)'}`, 64), pad('cloudhsm-local', 32), ulong(flags), { major: 1, minor: 0 }, { major: 1, minor: 0 }];
      }),
      C_GetTokenInfo: general(async ([slot]) => {
        const { cluster } = await this.slots.slot(slot!);
        if (!cluster || !tokenPresent(cluster)) throw new CkrError(CKR.TOKEN_NOT_PRESENT, 'the slot\'s cluster has no ACTIVE HSM');
        const flags = CKF.RNG | CKF.LOGIN_REQUIRED | CKF.USER_PIN_INITIALIZED | (cluster.State === 'ACTIVE' ? CKF.TOKEN_INITIALIZED : 0);
        const open = [...this.sessions.values()].filter((s) => s.clusterId === cluster.ClusterId);
        return [
          pad(cluster.ClusterId, 32),
          pad('cloudhsm-local', 32),
          pad(cluster.HsmType, 16),
          pad(cluster.ClusterId.replace(/^cluster-/, ''), 16),
          ulong(flags),
          ulong(MAX_SESSIONS),
          ulong(open.length),
          ulong(MAX_SESSIONS),
          ulong(open.filter((s) => s.rw).length),
          ulong(PIN_LENGTH.max),
          ulong(PIN_LENGTH.min),
          UNAVAILABLE,
          UNAVAILABLE,
          UNAVAILABLE,
          UNAVAILABLE,
          { major: 1, minor: 0 },
          { major: 1, minor: 0 },
          pad('', 16),
        ];
      }),
      C_GetMechanismList: general(async ([slot, room]) => {
        await this.slots.slot(slot!);
        const list = [...MECHANISM_INFOS.keys()].map(ulong);
        return [room === 0 || (room as number) < list.length ? { values: null, length: list.length } : { values: list }];
      }),
      C_GetMechanismInfo: general(async ([slot, type]) => {
        await this.slots.slot(slot!);
        const info = MECHANISM_INFOS.get(Number(type));
        if (!info) throw new CkrError(CKR.MECHANISM_INVALID, `mechanism 0x${(type as bigint).toString(16)} is not offered`);
        return [ulong(info.minKeySize), ulong(info.maxKeySize), ulong(info.flags)];
      }),
      C_OpenSession: general(async ([slot, flags]) => {
        const { slotId, cluster } = await this.slots.slot(slot!);
        const f = Number((flags as bigint) & 0xffffn);
        if (!(f & CKF.SERIAL_SESSION)) throw new CkrError(CKR.SESSION_PARALLEL_NOT_SUPPORTED, 'sessions must be opened with CKF_SERIAL_SESSION');
        if (!cluster || !tokenPresent(cluster)) throw new CkrError(CKR.TOKEN_NOT_PRESENT, 'the slot\'s cluster has no ACTIVE HSM');
        if (this.sessions.size >= MAX_SESSIONS) throw new CkrError(CKR.SESSION_COUNT, `an application holds at most ${MAX_SESSIONS} sessions`);
        const handle = this.nextSession++;
        this.sessions.set(handle, { slotId, clusterId: cluster.ClusterId, rw: Boolean(f & CKF.RW_SESSION) });
        return [ulong(handle)];
      }),
      C_CloseSession: general(async ([handle]) => {
        this.session(handle!);
        await this.closeSession(Number(handle));
        return [];
      }),
      C_CloseAllSessions: general(async ([slot]) => {
        const { slotId } = await this.slots.slot(slot!);
        for (const [h, s] of [...this.sessions]) if (s.slotId === slotId) await this.closeSession(h);
        return [];
      }),
      C_GetSessionInfo: general(([handle]) => {
        const s = this.session(handle!);
        const user = this.logins.has(s.clusterId);
        const state = s.rw ? (user ? CKS.RW_USER_FUNCTIONS : CKS.RW_PUBLIC_SESSION) : user ? CKS.RO_USER_FUNCTIONS : CKS.RO_PUBLIC_SESSION;
        return [ulong(s.slotId), ulong(state), ulong(CKF.SERIAL_SESSION | (s.rw ? CKF.RW_SESSION : 0)), 0n];
      }),
      C_Login: { kind: 'login', run: ([handle, userType, pin]) => this.login(this.session(handle!), userType as bigint, pin as ByteArray) },
      C_Logout: general(async ([handle]) => {
        const s = this.session(handle!);
        this.loginOf(s);
        await this.endLogin(s.clusterId, logout);
        return [];
      }),
      C_FindObjectsInit: { kind: 'object', run: ([handle, template]) => this.findInit(this.session(handle!), template as Attribute[]) },
      C_FindObjects: general(([handle, room]) => {
        const s = this.session(handle!);
        if (!s.found) throw new CkrError(CKR.OPERATION_NOT_INITIALIZED, 'C_FindObjects before C_FindObjectsInit');
        const next = s.found.splice(0, room as number);
        return [{ values: next.map(ulong) }];
      }),
      C_FindObjectsFinal: general(([handle]) => {
        const s = this.session(handle!);
        if (!s.found) throw new CkrError(CKR.OPERATION_NOT_INITIALIZED, 'C_FindObjectsFinal before C_FindObjectsInit');
        delete s.found;
        return [];
      }),
      C_GetAttributeValue: { kind: 'object', run: ([handle, object, requests]) => this.attributes(this.session(handle!), object!, requests as AttributeRequest[]) },
      C_GenerateKeyPair: {
        kind: 'generate',
        run: ([handle, mechanism, publicTemplate, privateTemplate]) => this.generateKeyPair(this.session(handle!), mechanism as Mechanism, publicTemplate as Attribute[], privateTemplate as Attribute[]),
      },
      C_SignInit: { kind: 'key', run: ([handle, mechanism, key]) => this.operationInit(this.session(handle!), 'sign', mechanism as Mechanism, key!) },
      C_Sign: { kind: 'key', run: ([handle, data, room]) => this.signAll(this.session(handle!), bytesOf(data), room as number, false) },
      C_SignUpdate: general(([handle, data]) => this.update(this.session(handle!), 'sign', bytesOf(data))),
      C_SignFinal: { kind: 'key', run: ([handle, room]) => this.signAll(this.session(handle!), new Uint8Array(0), room as number, true) },
      C_VerifyInit: { kind: 'key', run: ([handle, mechanism, key]) => this.operationInit(this.session(handle!), 'verify', mechanism as Mechanism, key!) },
      C_Verify: { kind: 'key', run: ([handle, data, signature]) => this.verifyAll(this.session(handle!), bytesOf(data), bytesOf(signature), false) },
      C_VerifyUpdate: general(([handle, data]) => this.update(this.session(handle!), 'verify', bytesOf(data))),
      C_VerifyFinal: { kind: 'key', run: ([handle, signature]) => this.verifyAll(this.session(handle!), new Uint8Array(0), bytesOf(signature), true) },
      C_GenerateRandom: general(async ([handle, room]) => {
        const l = this.loginOf(this.session(handle!));
        if (room === 0) return [{ bytes: null, length: 0 }];
        return [{ bytes: (await this.run(l, random, { length: room as number })).random }];
      }),
      ...objectCalls(this),
    });
  }

  private async login(s: Session11, userType: bigint, pin: ByteArray): Promise<Value[]> {
    // The CloudHSM library logs in crypto users only (CKU_USER); admins manage users with the CLI.
    if (userType !== BigInt(CKU.USER)) throw new CkrError(CKR.USER_TYPE_INVALID, 'only CKU_USER (a crypto user) logs in through PKCS #11');
    if (this.logins.has(s.clusterId)) throw new CkrError(CKR.USER_ALREADY_LOGGED_IN, `this application is already logged in to slot ${s.slotId}`);
    const text = pin.bytes ? Buffer.from(pin.bytes).toString('utf8') : '';
    const colon = text.indexOf(':');
    if (colon < 1) throw new CkrError(CKR.PIN_INCORRECT, 'the PIN is username:password (a crypto user of the cluster)');
    const credentials = { username: text.slice(0, colon), password: text.slice(colon + 1), role: 'crypto-user' as const };
    const result = await perform(this.ctx, login, { clusterId: s.clusterId, credentials, sessionPid: process.pid });
    if (!result.session) throw new CkrError(CKR.GENERAL_ERROR, 'the login made no session');
    this.logins.set(s.clusterId, { clusterId: s.clusterId, username: result.username, caller: { session: result.session, sessionKeys: new Map() } });
    return [];
  }

  private async findInit(s: Session11, template: Attribute[]): Promise<Value[]> {
    if (s.found) throw new CkrError(CKR.OPERATION_ACTIVE, 'a search is already active in this session (C_FindObjectsFinal ends it)');
    const l = this.logins.get(s.clusterId);
    // Every CloudHSM key is a private object: without a login there is nothing to find.
    if (!l) {
      s.found = [];
      return [];
    }
    const filter: KeySelector = { attributes: selectorTerms(template) };
    const { keys } = await this.run(l, listKeys, { filter, maxItems: Number.MAX_SAFE_INTEGER });
    s.found = keys.filter((k) => matchesTemplate(k, template)).map((k) => k.ref);
    return [];
  }

  private async attributes(s: Session11, object: Value, requests: AttributeRequest[]): Promise<Value[]> {
    const l = this.loginOf(s);
    const key = await this.key(l, object, CKR.OBJECT_HANDLE_INVALID);
    const value = requests.some((r) => r.type === CKA.VALUE) ? await readableValue(this, l, key) : undefined;
    let ckr: number = CKR.OK;
    const answers = requests.map((r) => {
      const a = answerAttribute(key, r.type, r.length, this.dialect ?? 0, value);
      // Any of the refusals may be returned when several apply (PKCS #11 §5.7); the first is.
      if (ckr === CKR.OK) ckr = a.ckr;
      return a.attribute;
    });
    return [answers, ulong(ckr)];
  }

  private async generateKeyPair(s: Session11, mechanism: Mechanism, publicTemplate: Attribute[], privateTemplate: Attribute[]): Promise<Value[]> {
    const l = this.loginOf(s);
    const keyType = KEY_PAIR_MECHANISMS.get(mechanism.type);
    if (!keyType) throw new CkrError(CKR.MECHANISM_INVALID, `mechanism 0x${mechanism.type.toString(16)} does not generate key pairs (CKM_EC_KEY_PAIR_GEN or CKM_RSA_PKCS_KEY_PAIR_GEN do)`);
    if (mechanism.params.kind !== 'bytes' || (mechanism.params.bytes?.length ?? 0) > 0) throw new CkrError(CKR.MECHANISM_PARAM_INVALID, 'key-pair generation takes no mechanism parameter');
    const pub = readKeyTemplate(publicTemplate, 'public-key', keyType);
    const priv = readKeyTemplate(privateTemplate, 'private-key', keyType);
    if (pub.token !== undefined && priv.token !== undefined && pub.token !== priv.token) {
      throw new CkrError(CKR.TEMPLATE_INCONSISTENT, 'both halves of a key pair are token objects or both session objects (CKA_TOKEN)');
    }
    // PKCS #11: CKA_TOKEN defaults to false, a session object.
    const token = pub.token ?? priv.token ?? false;
    if (token && !s.rw) throw new CkrError(CKR.SESSION_READ_ONLY, 'token objects are made in a read-write session (CKF_RW_SESSION)');
    if (keyType === 'ec' && !pub.curve) throw new CkrError(CKR.TEMPLATE_INCOMPLETE, 'an EC key pair needs CKA_EC_PARAMS (the curve\'s OID) in the public template');
    if (keyType === 'rsa' && pub.modulusBits === undefined) throw new CkrError(CKR.TEMPLATE_INCOMPLETE, 'an RSA key pair needs CKA_MODULUS_BITS in the public template');
    const withId = (t: typeof pub) => (t.idHex ? [...t.attributes, `id=0x${t.idHex}`] : t.attributes);
    // The core needs a label; PKCS #11 makes it optional: one half's label serves both, else "pkcs11".
    const result = await this.run(l, generateKeyPair, {
      keyType,
      publicLabel: pub.label || priv.label || 'pkcs11',
      privateLabel: priv.label || pub.label || 'pkcs11',
      curve: pub.curve,
      modulusSizeBits: pub.modulusBits,
      publicExponent: keyType === 'rsa' ? (pub.publicExponentHex ?? '0x010001') : undefined,
      session: !token,
      publicAttributes: withId(pub),
      privateAttributes: withId(priv),
    });
    return [ulong(result.publicKey.ref), ulong(result.privateKey.ref)];
  }

  private async operationInit(s: Session11, purpose: 'sign' | 'verify', mechanism: Mechanism, handle: Value): Promise<Value[]> {
    const l = this.loginOf(s);
    if (s.operation) throw new CkrError(CKR.OPERATION_ACTIVE, `a ${s.operation.purpose} operation is already active in this session`);
    const spec = SIGN_MECHANISMS.get(mechanism.type);
    if (!spec) throw new CkrError(CKR.MECHANISM_INVALID, `mechanism 0x${mechanism.type.toString(16)} does not ${purpose} here; C_GetMechanismList gives the mechanisms`);
    let pss: Operation11['pss'];
    if (spec.pssParams) {
      const p = mechanism.params;
      if (p.kind !== 'pss') throw new CkrError(CKR.MECHANISM_PARAM_INVALID, 'RSA-PSS takes a CK_RSA_PKCS_PSS_PARAMS');
      const hash = hashOfDigestMechanism(p.hashAlg);
      const mgf = hashOfMgf(p.mgf);
      if (!hash || !mgf || (spec.hash && spec.hash !== hash) || p.saltLength > 512n) {
        throw new CkrError(CKR.MECHANISM_PARAM_INVALID, 'CK_RSA_PKCS_PSS_PARAMS: hashAlg a SHA-1/2 digest mechanism (the mechanism\'s own hash), mgf a CKG_MGF1_SHA*, sLen at most 512');
      }
      pss = { hash, mgf, saltLength: Number(p.saltLength) };
    } else if (mechanism.params.kind !== 'bytes' || (mechanism.params.bytes?.length ?? 0) > 0) {
      throw new CkrError(CKR.MECHANISM_PARAM_INVALID, `mechanism 0x${mechanism.type.toString(16)} takes no parameter`);
    }
    const key = await this.key(l, handle, CKR.KEY_HANDLE_INVALID);
    const wantClass = purpose === 'sign' ? 'private-key' : 'public-key';
    const edwards = key.curve === 'ed25519' || key.curve === 'x25519';
    if (key.keyType !== spec.keyType || edwards || key.class !== wantClass) {
      throw new CkrError(CKR.KEY_TYPE_INCONSISTENT, `key ${key.ref} is a ${key.curve ?? key.keyType} ${key.class}; this mechanism needs a ${spec.keyType} ${wantClass}`);
    }
    // The core refuses too; PKCS #11 names the refusal at C_*Init (and a size query would not reach the core).
    if (!key.attributes[purpose]) throw new CkrError(CKR.KEY_FUNCTION_NOT_PERMITTED, `key ${key.ref} has CKA_${purpose.toUpperCase()} false`);
    const signatureBytes = spec.keyType === 'ec' ? 2 * CURVES[KEY_CURVES[key.curve ?? ''] as EcCurve].bytes : (key.modulusSizeBits ?? 0) / 8;
    s.operation = { purpose, spec, keyRef: key.ref, signatureBytes, pss, partBytes: 0 };
    return [];
  }

  private active(s: Session11, purpose: 'sign' | 'verify'): Operation11 {
    const op = s.operation;
    if (op?.purpose !== purpose) throw new CkrError(CKR.OPERATION_NOT_INITIALIZED, `no ${purpose} operation is active in this session (C_${purpose === 'sign' ? 'Sign' : 'Verify'}Init starts one)`);
    return op;
  }

  private update(s: Session11, purpose: 'sign' | 'verify', data: Uint8Array): Value[] {
    const op = this.active(s, purpose);
    if (!op.spec.hash) {
      delete s.operation;
      throw new CkrError(CKR.FUNCTION_NOT_SUPPORTED, 'this mechanism signs a digest in one part (C_Sign)');
    }
    if (op.partBytes + data.length > MAX_MULTIPART_BYTES) {
      delete s.operation;
      throw new CkrError(CKR.DATA_LEN_RANGE, `a multi-part ${purpose} takes at most ${MAX_MULTIPART_BYTES} bytes`);
    }
    try {
      this.reserve(data.length);
    } catch (err) {
      delete s.operation;
      throw err;
    }
    op.partBytes += data.length;
    (op.parts ??= []).push(Buffer.from(data));
    return [];
  }

  /** The core's sign/verify input for data given to the mechanism. */
  private signInput(op: Operation11, data: Uint8Array): Omit<SignInput, 'clusterId'> {
    const base = { mechanism: op.spec.mechanism, keyFilter: byReference(op.keyRef) };
    const pss = op.pss ? { mgf: mgf1Name(op.pss.mgf), saltLength: op.pss.saltLength } : {};
    if (op.spec.hash) return { ...base, ...pss, data, hash: op.spec.hash, dataType: 'raw' };
    // The data is already a digest: CKM_ECDSA takes one of any signing hash's length, CKM_RSA_PKCS a DER DigestInfo, CKM_RSA_PKCS_PSS one of the parameters' hash.
    let hash: HashName | undefined;
    if (op.spec.mechanism === 'ecdsa') hash = hashOfDigestLength(data.length);
    else if (op.spec.mechanism === 'rsa-pkcs') {
      hash = (Object.keys(HASHES) as HashName[]).find((h) => {
        if (!HASHES[h].signs) return false;
        const prefix = digestInfoPrefix(h);
        return data.length === prefix.length + HASHES[h].bytes && Buffer.from(data.subarray(0, prefix.length)).equals(prefix);
      });
      if (!hash) throw new CkrError(CKR.DATA_INVALID, 'CKM_RSA_PKCS signs a DER DigestInfo of a SHA-1 or SHA-2 digest here (raw PKCS #1 v1.5 blocks are not supported)');
    } else hash = op.pss && data.length === HASHES[op.pss.hash].bytes ? op.pss.hash : undefined;
    if (!hash) throw new CkrError(CKR.DATA_LEN_RANGE, `the digest of ${data.length} bytes is no SHA-1 or SHA-2 digest length${op.pss ? ` (the parameters name ${op.pss.hash})` : ''}`);
    return { ...base, ...pss, data, hash, dataType: 'digest' };
  }

  private async signAll(s: Session11, data: Uint8Array, room: number, final: boolean): Promise<Value[]> {
    const op = this.active(s, 'sign');
    if (!final && op.parts) throw new CkrError(CKR.OPERATION_ACTIVE, 'a multi-part signature ends with C_SignFinal, not C_Sign');
    // A size query or too small a buffer leaves the operation active (PKCS #11 §5.2).
    if (room < op.signatureBytes) return [{ bytes: null, length: op.signatureBytes }];
    delete s.operation;
    const input = this.signInput(op, final ? Buffer.concat(op.parts ?? []) : data);
    const { signature } = await this.run(this.loginOf(s), sign, input);
    return [answerBytes(signature, room)];
  }

  private async verifyAll(s: Session11, data: Uint8Array, signature: Uint8Array, final: boolean): Promise<Value[]> {
    const op = this.active(s, 'verify');
    delete s.operation;
    if (signature.length !== op.signatureBytes) throw new CkrError(CKR.SIGNATURE_LEN_RANGE, `the signature is ${signature.length} bytes; this key's are ${op.signatureBytes}`);
    const input = this.signInput(op, final ? Buffer.concat(op.parts ?? []) : data);
    await this.run(this.loginOf(s), verify, { ...input, signature });
    return [];
  }
}

/** The PKCS #11 server over `ctx`'s state; `listenPkcs11` puts it on a socket. */
export function createPkcs11Server(ctx: EngineContext, options: Pkcs11ServerOptions = {}): net.Server {
  const log = options.log ?? (() => undefined);
  const limits: Pkcs11Limits = {
    connections: MAX_CONNECTIONS,
    connectionHeldBytes: MAX_CONNECTION_HELD_BYTES,
    serverHeldBytes: MAX_SERVER_HELD_BYTES,
    connectionUnansweredBytes: MAX_UNANSWERED_BYTES,
    serverUnansweredBytes: MAX_SERVER_UNANSWERED_BYTES,
    ...options.limits,
  };
  const shared: Shared = { slots: new SlotTable(ctx), connections: new Set(), limits, unanswered: 0, peakUnanswered: 0, blocked: new Set() };
  const server = net.createServer((socket) => {
    if (shared.connections.size >= limits.connections) {
      // The client's C_Initialize fails (p11-kit reports the closed connection); the log says why.
      log(`PKCS#11: refusing a connection: ${limits.connections} applications are connected, the most this server takes; close some`);
      socket.destroy();
      return;
    }
    new Connection(ctx, shared, socket, log);
  });
  serverStates.set(server, shared);
  return server;
}

/** sockaddr_un.sun_path holds 108 bytes, the terminating NUL among them. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** A socket path's system error as what went wrong and what to do. */
export function socketError(err: unknown, socketPath: string, doing: string): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const folder = path.dirname(socketPath);
  const why: Record<string, string> = {
    ENOENT: `the folder ${folder} does not exist; create it or give another path with --socket`,
    ENOTDIR: `${folder} is not a folder; give another path with --socket`,
    EACCES: `permission denied; give a path in a folder you can write with --socket`,
    EPERM: `permission denied (the socket or its folder belongs to another user); give a path in a folder you can write with --socket`,
    EROFS: `${folder} is on a read-only file system; give another path with --socket`,
    EADDRINUSE: `another process created ${socketPath} just now; stop it or give another path with --socket`,
  };
  const detail = (code && why[code]) ?? `${err instanceof Error ? err.message : String(err)}; give another path with --socket`;
  return new Error(`cannot ${doing} ${socketPath}: ${detail}`);
}

/**
 * Listens on a Unix socket at `socketPath`, owner-only (mode 0600, made so by the umask as it is
 * created, so before anyone can connect, and checked). A socket file left by a server of this
 * user that is gone is replaced; one a live server answers on, another user's, or anything that
 * is not a socket is not.
 */
export async function listenPkcs11(server: net.Server, socketPath: string): Promise<void> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`the socket path ${socketPath} is ${Buffer.byteLength(socketPath)} bytes; Unix sockets allow ${MAX_SOCKET_PATH_BYTES}. Give a shorter one with --socket`);
  }
  // A folder that cannot be looked at (no search permission, a loop of links) fails here, with the fix.
  const look = <T>(stat: () => T): T => {
    try {
      return stat();
    } catch (err) {
      throw socketError(err, socketPath, 'listen on');
    }
  };
  // bind(2) reports a missing folder as EACCES through node:net: look first.
  const folder = look(() => fs.statSync(path.dirname(socketPath), { throwIfNoEntry: false }));
  if (!folder) throw socketError(Object.assign(new Error('no folder'), { code: 'ENOENT' }), socketPath, 'listen on');
  if (!folder.isDirectory()) throw socketError(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }), socketPath, 'listen on');
  const existing = look(() => fs.lstatSync(socketPath, { throwIfNoEntry: false }));
  if (existing) {
    if (!existing.isSocket()) throw new Error(`${socketPath} exists and is not a socket; remove it or give another path with --socket`);
    const uid = process.getuid?.();
    if (uid !== undefined && existing.uid !== uid) {
      throw new Error(`${socketPath} is a socket of another user (uid ${existing.uid}), not ours to take over; give another path with --socket`);
    }
    const live = await new Promise<boolean>((resolve) => {
      const probe = net.connect(socketPath, () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (live) throw new Error(`another server is listening on ${socketPath}; stop it or give another path with --socket`);
    try {
      fs.rmSync(socketPath, { force: true });
    } catch (err) {
      throw socketError(err, socketPath, 'remove the stale socket');
    }
  }
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    throw socketError(err, socketPath, 'listen on');
  } finally {
    process.umask(previous);
  }
  // The umask made it 0600 as it was created. Checked without following a link, as chmod would.
  const made = fs.lstatSync(socketPath, { throwIfNoEntry: false });
  if (!made?.isSocket() || (made.mode & 0o077) !== 0) {
    server.close();
    throw new Error(`${socketPath} is not the owner-only socket this server made (something replaced it, or the file system ignores the mode); give a path in a directory only you can write with --socket`);
  }
}


