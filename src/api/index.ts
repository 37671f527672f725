/**
 * The Node API: the emulator in-process, for applications and tests that would rather not run the
 * CLI. It is one more edge over the one dispatch point: every call goes through `perform()`, so
 * the rules, the audit of refusals, the lockout and the errors (with their stable codes) are the
 * CLI's. Results are the core's models (key views, bytes as Uint8Array), not the CLI's JSON.
 *
 *   import { open, operations, byLabel } from 'cloudhsm-local';
 *   const hsm = await open({ stateDir: './hsm-state', create: true });
 *   await hsm.quickstart({ password: 'Admin-Pass-1' });
 *   const admin = await hsm.login({ username: 'admin', role: 'admin', password: 'Admin-Pass-1' });
 *   await admin.run(operations.createUser, { username: 'app', role: 'crypto-user', password: 'App-Pass-12' });
 *
 * What is exported here is the public, semver-stable surface (package.json "exports"); nothing
 * else in the package is.
 */
import { systemRandom, type EngineContext } from '../core/context.js';
import { perform, type Caller, type Operation, type Session as CoreSession } from '../core/engine.js';
import { HsmError } from '../core/errors.js';
import type { KeyRecord } from '../core/keys/model.js';
import type { PreparedKey } from '../core/mechanisms/provider.js';
import { quickstart, type QuickstartInput } from '../core/cluster/quickstart.js';
import { Store } from '../core/store/index.js';
import { login, logout } from '../core/users/operations.js';
import { showClock } from '../core/time/operations.js';
import * as operations from './operations.js';

export { operations };
export { HsmError, ERROR_CODES, isHsmError, type ErrorCode } from '../core/errors.js';
export { ANY_KEY, byLabel, byReference, type KeySelector } from '../core/keys/selector.js';
export type { KeyView } from '../core/keys/model.js';
export type { Operation } from '../core/engine.js';
export type { ClusterDescription, HsmDescription, BackupDescription, TagDescription } from '../core/cluster/shapes.js';
export type { Tag } from '../core/tags/model.js';
export type { ClockReading } from '../core/time/clock.js';

export interface OpenOptions {
  /** The state folder, as `--state-dir` names it for the CLI (the CLI and the API may share it). */
  stateDir: string;
  /** The cluster to act on; may be left out when the folder holds exactly one. */
  clusterId?: string;
  /** The passphrase that seals the state, if it was made with one (CLOUDHSM_STATE_PASSPHRASE). */
  passphrase?: string;
  /** Make a new state in the folder if it holds none (it must then be empty or missing). */
  create?: boolean;
  /** How long to wait for another process's write lock (default 10 s). */
  lockTimeoutMs?: number;
  /** The cryptography provider: node:crypto (default) or the @noble libraries. */
  crypto?: 'node' | 'noble';
}

export interface LoginInput {
  username: string;
  role: 'admin' | 'crypto-user';
  password: string;
}

/** An operation's input without the cluster, which the handle supplies (it may still be given). */
export type InputOf<I> = Omit<I, 'clusterId'> & { clusterId?: string };

/** A state folder opened in this process. */
export class CloudHsm {
  private readonly prepared = new Map<string, PreparedKey>();
  private readonly sessions = new Set<Session>();
  private closed = false;

  private constructor(
    private readonly store: Store,
    private cluster: string | undefined,
    private readonly cryptoName: 'node' | 'noble',
  ) {}

  /** The cluster this handle acts on: the one given to open(), or the one quickstart() made. */
  get clusterId(): string | undefined {
    return this.cluster;
  }

  /** Opens (or with `create`, makes) the state in a folder. */
  static async open(options: OpenOptions): Promise<CloudHsm> {
    if (typeof options.stateDir !== 'string' || options.stateDir === '') throw new HsmError('INVALID_ARGUMENT', 'open() needs stateDir: the folder that holds (or will hold) the state');
    const store = await Store.open({ dir: options.stateDir, passphrase: options.passphrase, create: options.create, lockTimeoutMs: options.lockTimeoutMs ?? 10_000 });
    return new CloudHsm(store, options.clusterId, options.crypto ?? 'node');
  }

  /** The engine context the operations run in. */
  private get context(): EngineContext {
    if (this.closed) throw new HsmError('INVALID_ARGUMENT', 'this CloudHsm handle was closed; open() the folder again');
    return { store: this.store, now: () => Date.now(), random: systemRandom, cryptoName: this.cryptoName, prepared: this.prepared };
  }

  /** Runs an operation that needs no login (listing users, describing clusters, the cluster plane). */
  run<I extends { clusterId?: string }, O, P>(operation: Operation<I, O, P>, input: InputOf<I>): Promise<O> {
    return perform(this.context, operation, this.withCluster(input), {});
  }

  /** Runs an operation with single-call credentials, as CLOUDHSM_ROLE / CLOUDHSM_PIN do for one CLI command. */
  runAs<I extends { clusterId?: string }, O, P>(credentials: LoginInput, operation: Operation<I, O, P>, input: InputOf<I>): Promise<O> {
    const caller: Caller = { credentials: credentials, sessionKeys: new Map() };
    return perform(this.context, operation, this.withCluster(input), caller);
  }

  /**
   * `cluster quickstart`: creates a cluster with two HSMs in two availability zones, initializes
   * it with a locally made CA and, when a password is given, activates it.
   */
  async quickstart(input: QuickstartInput = {}): Promise<{ clusterId: string; trustAnchorPem: string; activated: boolean }> {
    const made = await quickstart(this.context, input);
    this.cluster ??= made.cluster.ClusterId;
    return { clusterId: made.cluster.ClusterId, trustAnchorPem: made.trustAnchorPem, activated: made.activated };
  }

  /**
   * The cluster time of the state folder: what every timestamp the operations write follows, the
   * same for the CLI and every process on the folder (move it with operations.advanceClock or
   * operations.setClock).
   */
  async now(): Promise<Date> {
    return new Date((await this.run(showClock, {})).clusterTimeMs);
  }

  /** Logs in and keeps the session, as the shell does, until `logout()`. */
  async login(input: LoginInput): Promise<Session> {
    const result = await perform(this.context, login, { clusterId: this.clusterId, credentials: input, sessionPid: process.pid }, {});
    if (!result.session) throw new HsmError('INTERNAL', 'login returned no session');
    const session = new Session(this, result.session, () => this.sessions.delete(session));
    this.sessions.add(session);
    return session;
  }

  /** Logs out every session opened through this handle; the handle then refuses further calls. */
  async close(): Promise<void> {
    for (const session of [...this.sessions]) await session.logout();
    this.closed = true;
  }

  /** @internal */
  performAs<I extends { clusterId?: string }, O, P>(caller: Caller, operation: Operation<I, O, P>, input: InputOf<I>): Promise<O> {
    return perform(this.context, operation, this.withCluster(input), caller);
  }

  private withCluster<I extends { clusterId?: string }>(input: InputOf<I>): I {
    return { ...input, clusterId: input.clusterId ?? this.cluster } as unknown as I;
  }
}

/** A logged-in user. Session keys (token=false) live in this object and end with logout. */
export class Session {
  private readonly sessionKeys = new Map<number, KeyRecord>();
  private ended = false;

  /** @internal */
  constructor(
    private readonly hsm: CloudHsm,
    private readonly session: CoreSession,
    private readonly onEnd: () => void,
  ) {}

  get username(): string {
    return this.session.username;
  }

  get role(): 'admin' | 'crypto-user' {
    return this.session.role;
  }

  /** Runs an operation as this user. */
  run<I extends { clusterId?: string }, O, P>(operation: Operation<I, O, P>, input: InputOf<I>): Promise<O> {
    if (this.ended) return Promise.reject(new HsmError('NOT_LOGGED_IN', `${this.username} logged out of this session; log in again with login()`));
    return this.hsm.performAs({ session: this.session, sessionKeys: this.sessionKeys }, operation, { clusterId: this.session.clusterId, ...input });
  }

  async logout(): Promise<void> {
    if (this.ended) return;
    await this.hsm.performAs({ session: this.session, sessionKeys: this.sessionKeys }, logout, { clusterId: this.session.clusterId });
    this.sessionKeys.clear();
    this.ended = true;
    this.onEnd();
  }
}

/** Opens (or with `create`, makes) the state in a folder: `CloudHsm.open`. */
export function open(options: OpenOptions): Promise<CloudHsm> {
  return CloudHsm.open(options);
}
