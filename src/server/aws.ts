/**
 * The local AWS API endpoint (`cloudhsm-local serve`): the AWS JSON 1.1 protocol for KMS
 * (`X-Amz-Target: TrentService.<Operation>`), an edge over the same core operations as the
 * commands, through `perform()`. Requests may carry any SigV4 signature (as local AWS emulators
 * accept): this endpoint is for a developer's machine and binds to loopback by default. Errors
 * are AWS's: HTTP 400 with `{"__type", "message"}` and the exception's name, 500 for a fault.
 */
import http from 'node:http';
import type { EngineContext } from '../core/context.js';
import { perform, type Operation } from '../core/engine.js';
import { isHsmError } from '../core/errors.js';
import { connectKeyStore, createKeyStore, deleteKeyStore, describeKeyStores, disconnectKeyStore, updateKeyStore } from '../core/kms/key-stores.js';
import {
  cancelKmsKeyDeletion,
  createKmsKey,
  describeKmsKey,
  disableKmsKey,
  enableKmsKey,
  kmsDecrypt,
  kmsEncrypt,
  kmsGenerateDataKey,
  listKmsKeys,
  scheduleKmsKeyDeletion,
} from '../core/kms/keys.js';

/** A request body is a few kilobytes; this refuses anything that is not one. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Request fields that are blobs: base64 in the JSON protocol, bytes for the core. */
const BLOB_FIELDS = ['Plaintext', 'CiphertextBlob'];

type AnyOperation = Operation<Record<string, unknown>, unknown, unknown>;

interface Route {
  op: AnyOperation;
  /** Fields the core takes besides the request's own. */
  extra?: Record<string, unknown>;
}

const kms = (op: unknown, extra?: Record<string, unknown>): Route => ({ op: op as AnyOperation, ...(extra ? { extra } : {}) });

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
  EnableKey: kms(enableKmsKey),
  DisableKey: kms(disableKmsKey),
  ScheduleKeyDeletion: kms(scheduleKmsKeyDeletion),
  CancelKeyDeletion: kms(cancelKmsKeyDeletion),
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

function coreInput(body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = { ...body };
  for (const field of BLOB_FIELDS) {
    if (typeof input[field] === 'string') input[field] = new Uint8Array(Buffer.from(input[field], 'base64'));
  }
  return input;
}

async function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RequestError(413, 'ValidationException', `the request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new RequestError(400, 'SerializationException', 'the request body is not a JSON object');
  }
}

/** An error as AWS answers it: the exception's name and status. */
function errorOf(err: unknown): RequestError {
  if (err instanceof RequestError) return err;
  if (isHsmError(err)) {
    if (err.aws) return new RequestError(400, err.aws.type, err.message);
    if (err.code === 'INVALID_ARGUMENT') return new RequestError(400, 'ValidationException', err.message);
    if (err.code === 'STATE_LOCKED') return new RequestError(400, 'ThrottlingException', err.message);
    return new RequestError(500, 'KMSInternalException', err.message);
  }
  return new RequestError(500, 'KMSInternalException', 'internal error');
}

export interface AwsServerOptions {
  /** One line per request (method, target, status, milliseconds). */
  log: (line: string) => void;
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
        const route = service === 'TrentService' ? KMS_ROUTES[operation ?? ''] : undefined;
        if (!route) throw new RequestError(400, 'UnknownOperationException', `unknown operation ${target || '(no X-Amz-Target)'}; this endpoint serves TrentService (KMS) operations`);
        const body = await readBody(req);
        const result = await perform(ctx, route.op, { ...coreInput(body), ...route.extra });
        answer(200, wireValue(result));
      } catch (err) {
        const e = errorOf(err);
        answer(e.status, { __type: e.type, message: e.message }, e.type);
      }
    })();
  });
}
