/**
 * The local AWS API endpoint (`cloudhsm-local serve`): the AWS JSON 1.1 protocol for KMS
 * (`X-Amz-Target: TrentService.<Operation>`) and the CloudHSM cluster API
 * (`BaldrApiService.<Operation>`), an edge over the same core operations as the commands, through
 * `perform()`. By default requests may carry any SigV4 signature, or none (as local AWS
 * emulators accept): this endpoint is for a developer's machine and binds to loopback. Given
 * credentials (`serve --credentials`), every request must be signed with one of them (sigv4.ts).
 * Either way the core gets the caller as the input field `principal`: the credential's principal,
 * else the account root. Errors are AWS's: HTTP 400 with `{"__type", "message"}` and the
 * exception's name, 500 for a fault.
 */
import http from 'node:http';
import { createCluster, createHsm, deleteCluster, deleteHsm, describeClusters, initializeCluster } from '../core/cluster/operations.js';
import { deleteBackup, describeBackups } from '../core/backups/operations.js';
import { listTags, tagResource, untagResource } from '../core/tags/operations.js';
import type { EngineContext } from '../core/context.js';
import { perform, type Operation } from '../core/engine.js';
import { isHsmError } from '../core/errors.js';
import { ACCOUNT_ROOT, SignatureError, signedRegion, verifySignature, type ServiceCredential } from './sigv4.js';
import { connectKeyStore, createKeyStore, deleteKeyStore, describeKeyStores, disconnectKeyStore, updateKeyStore } from '../core/kms/key-stores.js';
import {
  cancelKmsKeyDeletion,
  createKmsAlias,
  createKmsKey,
  deleteKmsAlias,
  kmsGenerateRandom,
  kmsReEncrypt,
  listKmsAliases,
  updateKmsAlias,
  describeKmsKey,
  disableKmsKey,
  enableKmsKey,
  kmsDecrypt,
  kmsEncrypt,
  kmsGenerateDataKey,
  listKmsKeys,
  scheduleKmsKeyDeletion,
} from '../core/kms/keys.js';
import { createKmsGrant, listKmsGrants, listKmsRetirableGrants, retireKmsGrant, revokeKmsGrant } from '../core/kms/grants.js';
import { getKmsKeyPolicy, listKmsKeyPolicies, putKmsKeyPolicy } from '../core/kms/policies.js';
import { listKmsResourceTags, tagKmsResource, untagKmsResource, updateKmsKeyDescription } from '../core/kms/tags.js';
import { disableKmsKeyRotation, enableKmsKeyRotation, getKmsKeyRotationStatus, kmsGenerateMac, kmsSign, kmsVerify, kmsVerifyMac } from '../core/kms/unsupported.js';
import { kmsGenerateDataKeyPair } from '../core/kms/data-key-pairs.js';

/** A request body is a few kilobytes; this refuses anything that is not one. */
const MAX_BODY_BYTES = 1024 * 1024;
/** The SigV4 signing name of each service this endpoint serves, by its X-Amz-Target prefix. */
const SIGNING_NAMES: Readonly<Record<string, string>> = { TrentService: 'kms', BaldrApiService: 'cloudhsm' };
/** Request fields that are blobs: base64 in the JSON protocol, bytes for the core. */
const BLOB_FIELDS = ['Plaintext', 'CiphertextBlob'];

type AnyOperation = Operation<Record<string, unknown>, unknown, unknown>;

export interface Route {
  op: AnyOperation;
  /** Fields the core takes besides the request's own. */
  extra?: Record<string, unknown>;
  /** The core's input from the request, where its names differ (the cluster API's). */
  input?: (body: Record<string, unknown>) => Record<string, unknown>;
  /** The response's member that holds the core's result, where AWS wraps it (`Cluster`, `Hsm`, `Backup`). */
  wrap?: string;
}

const kms = (op: unknown, extra?: Record<string, unknown>): Route => ({ op: op as AnyOperation, ...(extra ? { extra } : {}) });

type Body = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strs = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);
const tagsOf = (v: unknown) => (Array.isArray(v) ? (v as Array<{ Key?: unknown; Value?: unknown }>).map((t) => ({ key: str(t.Key) ?? '', value: str(t.Value) ?? '' })) : undefined);
const filters = (b: Body) => (b.Filters && typeof b.Filters === 'object' ? (b.Filters as Record<string, unknown>) : {});
const hsm = (op: unknown, input: (b: Body) => Body, wrap?: string): Route => ({ op: op as AnyOperation, input, ...(wrap ? { wrap } : {}) });

/** BaldrApiService (CloudHSMv2) operations, by name: the cluster plane's. */
const CLUSTER_ROUTES: Readonly<Record<string, Route>> = {
  CreateCluster: hsm(createCluster, (b) => ({ hsmType: str(b.HsmType), mode: str(b.Mode), backupRetentionDays: (b.BackupRetentionPolicy as { Value?: string } | undefined)?.Value ? Number((b.BackupRetentionPolicy as { Value: string }).Value) : undefined, tags: tagsOf(b.TagList) }), 'Cluster'),
  DescribeClusters: hsm(describeClusters, (b) => ({ clusterId: strs(filters(b).clusterIds)?.[0], states: strs(filters(b).states) })),
  DeleteCluster: hsm(deleteCluster, (b) => ({ clusterId: str(b.ClusterId) }), 'Cluster'),
  InitializeCluster: hsm(initializeCluster, (b) => ({ clusterId: str(b.ClusterId), signedCertPem: str(b.SignedCert), trustAnchorPem: str(b.TrustAnchor) })),
  CreateHsm: hsm(createHsm, (b) => ({ clusterId: str(b.ClusterId), availabilityZone: str(b.AvailabilityZone), ipAddress: str(b.IpAddress) }), 'Hsm'),
  DeleteHsm: hsm(deleteHsm, (b) => ({ clusterId: str(b.ClusterId), hsmId: str(b.HsmId), eniId: str(b.EniId), eniIp: str(b.EniIp) })),
  DescribeBackups: hsm(describeBackups, (b) => ({ clusterId: strs(filters(b).clusterIds)?.[0], backupIds: strs(filters(b).backupIds), states: strs(filters(b).states), sortAscending: b.SortAscending === true })),
  DeleteBackup: hsm(deleteBackup, (b) => ({ backupId: str(b.BackupId) }), 'Backup'),
  TagResource: hsm(tagResource, (b) => ({ resourceId: str(b.ResourceId), tags: tagsOf(b.TagList) })),
  UntagResource: hsm(untagResource, (b) => ({ resourceId: str(b.ResourceId), tagKeys: strs(b.TagKeyList) })),
  ListTags: hsm(listTags, (b) => ({ resourceId: str(b.ResourceId), maxResults: typeof b.MaxResults === 'number' ? b.MaxResults : undefined, nextToken: str(b.NextToken) })),
};

/** TrentService operations, by name. */
const KMS_ROUTES: Readonly<Record<string, Route>> = {
  CreateCustomKeyStore: kms(createKeyStore),
  DescribeCustomKeyStores: kms(describeKeyStores),
  ConnectCustomKeyStore: kms(connectKeyStore),
  DisconnectCustomKeyStore: kms(disconnectKeyStore),
  UpdateCustomKeyStore: kms(updateKeyStore),
  DeleteCustomKeyStore: kms(deleteKeyStore),
  CreateKey: kms(createKmsKey),
  DescribeKey: kms(describeKmsKey),
  ListKeys: kms(listKmsKeys),
  Encrypt: kms(kmsEncrypt),
  Decrypt: kms(kmsDecrypt),
  GenerateDataKey: kms(kmsGenerateDataKey),
  GenerateDataKeyWithoutPlaintext: kms(kmsGenerateDataKey, { withoutPlaintext: true }),
  GenerateDataKeyPair: kms(kmsGenerateDataKeyPair),
  GenerateDataKeyPairWithoutPlaintext: kms(kmsGenerateDataKeyPair, { withoutPlaintext: true }),
  EnableKey: kms(enableKmsKey),
  DisableKey: kms(disableKmsKey),
  ScheduleKeyDeletion: kms(scheduleKmsKeyDeletion),
  CancelKeyDeletion: kms(cancelKmsKeyDeletion),
  CreateAlias: kms(createKmsAlias),
  UpdateAlias: kms(updateKmsAlias),
  DeleteAlias: kms(deleteKmsAlias),
  ListAliases: kms(listKmsAliases),
  ReEncrypt: kms(kmsReEncrypt),
  GenerateRandom: kms(kmsGenerateRandom),
  CreateGrant: kms(createKmsGrant),
  ListGrants: kms(listKmsGrants),
  ListRetirableGrants: kms(listKmsRetirableGrants),
  RetireGrant: kms(retireKmsGrant),
  RevokeGrant: kms(revokeKmsGrant),
  GetKeyPolicy: kms(getKmsKeyPolicy),
  PutKeyPolicy: kms(putKmsKeyPolicy),
  ListKeyPolicies: kms(listKmsKeyPolicies),
  TagResource: kms(tagKmsResource),
  UntagResource: kms(untagKmsResource),
  ListResourceTags: kms(listKmsResourceTags),
  UpdateKeyDescription: kms(updateKmsKeyDescription),
  // Answered with the refusal the real service gives for these keys (core/kms/unsupported.ts).
  EnableKeyRotation: kms(enableKmsKeyRotation),
  DisableKeyRotation: kms(disableKmsKeyRotation),
  GetKeyRotationStatus: kms(getKmsKeyRotationStatus),
  Sign: kms(kmsSign),
  Verify: kms(kmsVerify),
  GenerateMac: kms(kmsGenerateMac),
  VerifyMac: kms(kmsVerifyMac),
};

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** JSON 1.1 values: bytes as base64, times as epoch seconds. */
function wireValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(wireValue);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, wireValue(v)]));
  return value;
}

/**
 * A KMS request's members as the core takes them. Only AWS's members (PascalCase: KeyId,
 * Plaintext, …) pass: the core's own fields (camelCase: withoutPlaintext, approvals, clusterId,
 * principal) are the endpoint's to set, never a body's.
 */
function coreInput(body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = Object.fromEntries(Object.entries(body).filter(([name]) => /^[A-Z]/.test(name)));
  for (const field of BLOB_FIELDS) {
    if (typeof input[field] === 'string') input[field] = new Uint8Array(Buffer.from(input[field], 'base64'));
  }
  return input;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RequestError(413, 'ValidationException', `the request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new RequestError(400, 'SerializationException', 'the request body is not a JSON object');
  }
}

/**
 * The core's input for a request to `route`: the body's fields as the core names them, the
 * route's own, and last the verified `principal` and, for KMS, the Region of the request's
 * credential scope as `requestRegion` (undefined when unsigned), so that no body field can stand
 * in for them.
 */
export function operationInput(route: Route, body: Record<string, unknown>, principal: string, requestRegion?: string): Record<string, unknown> {
  const input = route.input ? route.input(body) : coreInput(body);
  return { ...input, ...route.extra, principal, ...(route.input ? {} : { requestRegion }) };
}

/** An error as AWS answers it: the exception's name and status. */
function errorOf(err: unknown): RequestError {
  if (err instanceof RequestError) return err;
  if (err instanceof SignatureError) return new RequestError(err.status, err.type, err.message);
  if (isHsmError(err)) {
    if (err.aws) return new RequestError(400, err.aws.type, err.message);
    if (err.code === 'INVALID_ARGUMENT') return new RequestError(400, 'ValidationException', err.message);
    if (err.code === 'STATE_LOCKED') return new RequestError(400, 'ThrottlingException', err.message);
    return new RequestError(500, 'InternalFailure', err.message);
  }
  return new RequestError(500, 'InternalFailure', 'internal error');
}

export interface AwsServerOptions {
  /** One line per request (method, target, status, milliseconds). */
  log: (line: string) => void;
  /**
   * The access keys requests must be signed with, by access key ID; without them any signature,
   * or none, is accepted and requests act as the account root.
   */
  credentials?: ReadonlyMap<string, ServiceCredential>;
  /** The time signatures are checked against (default: this machine's clock). */
  now?: () => number;
}

/** The endpoint's HTTP server over `ctx` (not yet listening). */
export function createAwsServer(ctx: EngineContext, options: AwsServerOptions): http.Server {
  return http.createServer((req, res) => {
    const started = performance.now();
    const target = String(req.headers['x-amz-target'] ?? '');
    const answer = (status: number, body: unknown, errorType?: string) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
      res.end(text);
      options.log(`${req.method ?? '?'} ${target || req.url || '/'} ${status}${errorType ? ` ${errorType}` : ''} ${Math.round(performance.now() - started)} ms`);
    };
    void (async () => {
      try {
        if (req.method !== 'POST') throw new RequestError(405, 'UnknownOperationException', 'the AWS JSON protocol takes POST requests');
        const [service, operation] = target.split('.');
        const raw = await readBody(req);
        const principal = options.credentials
          ? verifySignature({ method: req.method, url: req.url ?? '/', rawHeaders: req.rawHeaders, body: raw }, SIGNING_NAMES[service ?? ''], options.credentials, (options.now ?? Date.now)()).principal
          : ACCOUNT_ROOT;
        const routes = service === 'TrentService' ? KMS_ROUTES : service === 'BaldrApiService' ? CLUSTER_ROUTES : undefined;
        const route = routes ? routes[operation ?? ''] : undefined;
        if (!route) throw new RequestError(400, 'UnknownOperationException', `unknown operation ${target || '(no X-Amz-Target)'}; this endpoint serves TrentService (KMS) and BaldrApiService (CloudHSMv2) operations`);
        const result = await perform(ctx, route.op, operationInput(route, parseBody(raw), principal, signedRegion(req.rawHeaders)));
        answer(200, wireValue(route.wrap ? { [route.wrap]: result } : result));
      } catch (err) {
        const e = errorOf(err);
        answer(e.status, { __type: e.type, message: e.message }, e.type);
      }
    })();
  });
}
