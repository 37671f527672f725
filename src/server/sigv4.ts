/**
 * AWS Signature Version 4 checks for the local endpoint (`serve --credentials`): the request's
 * Authorization header is parsed, the canonical request is rebuilt from what arrived (method,
 * path, query, the signed headers, the hash of the body as received), and the signature is
 * computed with the secret of the access key the header names and compared in constant time.
 * Region and service come from the credential scope; the service must be the one the request's
 * X-Amz-Target addresses. A request signed more than 15 minutes away from this machine's clock is
 * refused, as AWS refuses it.
 *
 * Failures are AWS's exceptions for the JSON protocols, all HTTP 400: MissingAuthenticationToken-
 * Exception (no Authorization header), IncompleteSignatureException (a part missing or
 * malformed), UnrecognizedClientException (an access key not configured), InvalidSignature-
 * Exception (a wrong signature, scope or time). Messages never hold a secret or a signature.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HsmError } from '../core/errors.js';

/** The principal of a request when nobody configured one: the local account's root. */
export const ACCOUNT_ROOT = 'arn:aws:iam::000000000000:root';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60_000;
const ACCESS_KEY_ID = /^[A-Za-z0-9_.+=@-]{1,128}$/;
const PRINCIPAL = /^arn:aws(-[a-z]+)*:(iam|sts)::\d{12}:(root|(user|role|assumed-role|federated-user)\/[\w+=,.@/-]+)$/;

/** One access key the endpoint accepts, and the principal its requests act as. */
export interface ServiceCredential {
  accessKeyId: string;
  secretAccessKey: string;
  principal: string;
}

/** A request refused before it reached an operation: the AWS exception's name and message. */
export class SignatureError extends Error {
  readonly status = 400;
  constructor(
    readonly type: 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'UnrecognizedClientException' | 'InvalidSignatureException',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The access keys of a credentials file (`[{"accessKeyId", "secretAccessKey", "principal"?}]`),
 * checked entry by entry; `source` names the file in errors. A secret never appears in one.
 */
export function parseCredentials(json: unknown, source: string): Map<string, ServiceCredential> {
  const bad = (what: string) => new HsmError('INVALID_ARGUMENT', `${source}: ${what}; the file is a JSON list of {"accessKeyId": "...", "secretAccessKey": "...", "principal": "arn:aws:iam::111122223333:user/NAME"} entries (principal optional)`);
  if (!Array.isArray(json)) throw bad('is not a JSON list');
  if (json.length === 0) throw bad('lists no credentials, so every request would be refused');
  const found = new Map<string, ServiceCredential>();
  json.forEach((entry: unknown, index) => {
    const at = `entry ${index + 1}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw bad(`${at} is not an object`);
    const fields = entry as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((field) => !['accessKeyId', 'secretAccessKey', 'principal'].includes(field));
    if (unknown.length > 0) throw bad(`${at} has the unknown field ${unknown.map((f) => JSON.stringify(f)).join(', ')}`);
    const { accessKeyId, secretAccessKey, principal } = fields;
    if (typeof accessKeyId !== 'string' || !ACCESS_KEY_ID.test(accessKeyId)) {
      throw bad(`${at} has ${accessKeyId === undefined ? 'no accessKeyId' : 'an accessKeyId that is not 1-128 letters, digits or _.+=@-'}`);
    }
    if (typeof secretAccessKey !== 'string' || secretAccessKey.length === 0) throw bad(`${at} (${accessKeyId}) has ${secretAccessKey === undefined ? 'no' : 'an empty or non-string'} secretAccessKey`);
    if (principal !== undefined && (typeof principal !== 'string' || !PRINCIPAL.test(principal))) {
      throw bad(`${at} (${accessKeyId}) has a principal that is not an IAM ARN such as arn:aws:iam::111122223333:root, ...:user/NAME or ...:role/NAME`);
    }
    if (found.has(accessKeyId)) throw bad(`${at} repeats the accessKeyId ${accessKeyId}`);
    found.set(accessKeyId, { accessKeyId, secretAccessKey, principal: principal ?? ACCOUNT_ROOT });
  });
  return found;
}

/** What the check needs of a request, as it arrived. */
export interface SignedRequest {
  method: string;
  /** The request target: path and query, as sent. */
  url: string;
  /** Header names and values in arrival order (node's `rawHeaders`). */
  rawHeaders: readonly string[];
  body: Buffer;
}

/** RFC 3986 escaping, as SigV4 wants it: everything but unreserved characters. */
function escape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

/** The canonical path (each segment escaped again, as every service but S3 does) and query. */
function canonicalTarget(url: string): { path: string; query: string } {
  const mark = url.indexOf('?');
  const rawPath = mark < 0 ? url : url.slice(0, mark);
  const path = rawPath === '' || rawPath === '/' ? '/' : rawPath.split('/').map(escape).join('/');
  const pairs = mark < 0 ? [] : url.slice(mark + 1).split('&').filter((p) => p !== '').map((pair) => {
    const eq = pair.indexOf('=');
    return [escape(decode(eq < 0 ? pair : pair.slice(0, eq))), escape(decode(eq < 0 ? '' : pair.slice(eq + 1)))] as const;
  });
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return { path, query: pairs.map(([k, v]) => `${k}=${v}`).join('&') };
}

/** Headers by lower-case name; repeated ones joined with commas, each value trimmed and its spaces folded. */
function headerMap(raw: readonly string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!.trim().replace(/\s+/g, ' ');
    const before = headers.get(name);
    headers.set(name, before === undefined ? value : `${before},${value}`);
  }
  return headers;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** "20240102T030405Z" as epoch milliseconds, or undefined when it is not that form. */
function amzTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : ms;
}

const amzFormat = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

interface AuthorizationParts {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string): AuthorizationParts {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new SignatureError('IncompleteSignatureException', `the Authorization header's algorithm is ${JSON.stringify(algorithm.slice(0, 40))}; this endpoint takes ${ALGORITHM} (Signature Version 4)`);
  }
  const params = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !params.get(name));
  if (missing.length > 0) throw new SignatureError('IncompleteSignatureException', `the Authorization header lacks ${missing.join(', ')}; a Signature Version 4 header has Credential=, SignedHeaders= and Signature=`);
  const scope = params.get('Credential')!.split('/');
  if (scope.length !== 5 || scope.some((s) => s === '') || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1]!)) {
    throw new SignatureError('IncompleteSignatureException', 'the Authorization header\'s Credential is not ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request');
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: params.get('SignedHeaders')!.split(';'), signature: params.get('Signature')! };
}

/**
 * The Region of a request's Signature Version 4 credential scope, if it carries a well-formed
 * Authorization header (unverified here: verifySignature checks it when credentials are required).
 */
export function signedRegion(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'authorization') continue;
    try {
      return parseAuthorization(rawHeaders[i + 1]!).region;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Checks `request`'s Signature Version 4 against `credentials` for `service` (`kms`,
 * `cloudhsm`; undefined when the request names no known service, which is then refused later)
 * at time `now`; returns the credential it was signed with, or throws a SignatureError.
 */
export function verifySignature(request: SignedRequest, service: string | undefined, credentials: ReadonlyMap<string, ServiceCredential>, now: number): ServiceCredential {
  const headers = headerMap(request.rawHeaders);
  const authorization = headers.get('authorization');
  if (!authorization) {
    throw new SignatureError('MissingAuthenticationTokenException', 'the request is not signed: this endpoint runs with --credentials, so every request needs a Signature Version 4 Authorization header made with an access key that file lists');
  }
  const auth = parseAuthorization(authorization);
  const amzDate = headers.get('x-amz-date');
  if (amzDate === undefined) throw new SignatureError('IncompleteSignatureException', 'the request has no X-Amz-Date header; Signature Version 4 signs the time in it');
  const signedAt = amzTime(amzDate);
  if (signedAt === undefined) throw new SignatureError('IncompleteSignatureException', `X-Amz-Date ${JSON.stringify(amzDate.slice(0, 40))} is not in the form YYYYMMDDTHHMMSSZ`);
  const mustSign = ['host', 'x-amz-date', ...['x-amz-target', 'x-amz-security-token', 'x-amz-content-sha256'].filter((name) => headers.has(name))];
  const unsigned = mustSign.filter((name) => !auth.signedHeaders.includes(name));
  if (unsigned.length > 0) throw new SignatureError('IncompleteSignatureException', `SignedHeaders leaves out ${unsigned.join(', ')}; the signature must cover them`);
  const absent = auth.signedHeaders.filter((name) => !headers.has(name));
  if (absent.length > 0) throw new SignatureError('IncompleteSignatureException', `SignedHeaders names ${absent.join(', ')}, which the request does not carry`);
  if (auth.date !== amzDate.slice(0, 8)) throw new SignatureError('InvalidSignatureException', `the Credential's date ${auth.date} is not the date of X-Amz-Date (${amzDate.slice(0, 8)})`);
  if (service !== undefined && auth.service !== service) throw new SignatureError('InvalidSignatureException', `the Credential is scoped to the service ${JSON.stringify(auth.service)}; this operation's is ${JSON.stringify(service)}`);
  const credential = credentials.get(auth.accessKeyId);
  if (!credential) throw new SignatureError('UnrecognizedClientException', `the access key ID ${auth.accessKeyId.slice(0, 128)} is not one this endpoint's --credentials file lists`);
  if (headers.has('x-amz-security-token')) throw new SignatureError('UnrecognizedClientException', 'the request carries a session token (X-Amz-Security-Token); the --credentials file has long-term access keys only, so unset AWS_SESSION_TOKEN');
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    throw new SignatureError('InvalidSignatureException', `the request was signed at ${amzDate}, more than 15 minutes ${signedAt < now ? 'before' : 'after'} this endpoint's time ${amzFormat(now)}; check the client's clock`);
  }
  const payloadHash = sha256Hex(request.body);
  const declared = headers.get('x-amz-content-sha256');
  if (declared !== undefined && declared !== payloadHash) throw new SignatureError('InvalidSignatureException', 'X-Amz-Content-Sha256 is not the SHA-256 of the body this endpoint received');
  const { path, query } = canonicalTarget(request.url);
  const canonicalRequest = [request.method, path, query, ...auth.signedHeaders.map((name) => `${name}:${headers.get(name)!}`), '', auth.signedHeaders.join(';'), payloadHash].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credential.secretAccessKey}`, auth.date);
  for (const part of [auth.region, auth.service, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const wellFormed = /^[0-9a-f]{64}$/.test(auth.signature);
  // A malformed signature is compared too (as zeros), so its refusal takes the same time.
  const given = wellFormed ? Buffer.from(auth.signature, 'hex') : Buffer.alloc(expected.length);
  if (!timingSafeEqual(given, expected) || !wellFormed) {
    throw new SignatureError('InvalidSignatureException', `the signature does not match the request: check the secret access key of ${credential.accessKeyId}, and that nothing changed the request after it was signed`);
  }
  return credential;
}
