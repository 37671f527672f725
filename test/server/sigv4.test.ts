/**
 * The endpoint's Signature Version 4 check (src/server/sigv4.ts) against requests the real AWS
 * SDK signed, each changed one part at a time: every refusal with AWS's exception, no refusal
 * that quotes a secret; the credentials file's checks; and the core input the endpoint builds,
 * whose principal no body field can forge.
 */
import assert from 'node:assert/strict';
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { createKmsKey } from '../../src/core/kms/keys.js';
import { HsmError } from '../../src/core/errors.js';
import { operationInput, type Route } from '../../src/server/aws.js';
import { ACCOUNT_ROOT, SignatureError, parseCredentials, signedRegion, verifySignature, type SignedRequest } from '../../src/server/sigv4.js';
import { sdkSigned, type CaughtRequest } from '../support/signed-requests.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const credentials = parseCredentials(
  [
    { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET, principal: 'arn:aws:iam::111122223333:user/alice' },
    { accessKeyId: 'local', secretAccessKey: 'local' },
  ],
  'test',
);

/** The time in the request's X-Amz-Date. */
const signedAt = (request: CaughtRequest) => {
  const d = request.headers['x-amz-date']!;
  return Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
};

function refusal(request: SignedRequest, service: string | undefined, now: number): SignatureError {
  try {
    verifySignature(request, service, credentials, now);
  } catch (err) {
    assert.ok(err instanceof SignatureError, String(err));
    assert.ok(!err.message.includes(SECRET), 'a refusal quotes the secret');
    assert.equal(err.status, 400);
    return err;
  }
  assert.fail('the request was accepted');
}

/** `request` with its headers replaced by `headers` (names as the SDK wrote them). */
const withHeaders = (request: CaughtRequest, headers: Record<string, string>): SignedRequest => ({ ...request, rawHeaders: Object.entries(headers).flat() });

/** `request` with its Authorization header's `part` (Credential, SignedHeaders, Signature) changed by `change`. */
function withAuthorization(request: CaughtRequest, change: (header: string) => string): SignedRequest {
  return withHeaders(request, { ...request.headers, authorization: change(request.headers.authorization!) });
}

describe('server: Signature Version 4 checks', () => {
  let good: CaughtRequest;
  let now: number;

  before(async () => {
    good = await sdkSigned({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET }, (client) =>
      client.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: new TextEncoder().encode('order 42'), EncryptionContext: { dept: 'sales' } })),
    );
    now = signedAt(good);
  });

  it('accepts what the SDK signed, for the service in the scope, and returns its principal', async () => {
    assert.equal(verifySignature(good, 'kms', credentials, now).principal, 'arn:aws:iam::111122223333:user/alice');
    // Any region: the scope names it and the key is derived from it.
    const inRegion = await sdkSigned({ accessKeyId: 'local', secretAccessKey: 'local', region: 'ap-southeast-2' }, (client) => client.send(new CreateKeyCommand({ Description: 'x' })));
    assert.equal(verifySignature(inRegion, 'kms', credentials, signedAt(inRegion)).principal, ACCOUNT_ROOT);
    // Up to 15 minutes either way.
    assert.ok(verifySignature(good, 'kms', credentials, now + 14 * 60_000));
    assert.ok(verifySignature(good, 'kms', credentials, now - 14 * 60_000));
  });

  it('refuses a wrong secret, a changed body, target or host, and a changed signature: InvalidSignatureException', async () => {
    const wrongSecret = await sdkSigned({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: `${SECRET}x` });
    assert.equal(refusal(wrongSecret, 'kms', signedAt(wrongSecret)).type, 'InvalidSignatureException');
    const body = good.body.toString().replace('alias/app', 'alias/ops');
    assert.equal(body.length, good.body.length);
    assert.equal(refusal({ ...good, body: Buffer.from(body) }, 'kms', now).type, 'InvalidSignatureException');
    assert.equal(refusal(withHeaders(good, { ...good.headers, 'x-amz-target': 'TrentService.Decrypt' }), 'kms', now).type, 'InvalidSignatureException');
    assert.equal(refusal(withHeaders(good, { ...good.headers, host: 'kms.example.com' }), 'kms', now).type, 'InvalidSignatureException');
    assert.equal(refusal({ ...good, url: '/?a=b' }, 'kms', now).type, 'InvalidSignatureException');
    assert.equal(refusal({ ...good, method: 'PUT' }, 'kms', now).type, 'InvalidSignatureException');
    const flipped = (sig: string) => sig.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    assert.equal(refusal(withAuthorization(good, flipped), 'kms', now).type, 'InvalidSignatureException');
    assert.equal(refusal(withAuthorization(good, (h) => h.replace(/Signature=\w+/, 'Signature=zz')), 'kms', now).type, 'InvalidSignatureException');
    assert.equal(refusal(withAuthorization(good, (h) => h.replace(/Signature=\w+/, 'Signature=00')), 'kms', now).type, 'InvalidSignatureException');
    // The SDK signs X-Amz-Content-Sha256 too; it must be the hash of the body that arrived.
    const mismatch = refusal(withHeaders(good, { ...good.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }), 'kms', now);
    assert.equal(mismatch.type, 'InvalidSignatureException');
    assert.match(mismatch.message, /X-Amz-Content-Sha256 is not the SHA-256 of the body/);
    assert.match(refusal({ ...good, body: Buffer.from(body) }, 'kms', now).message, /X-Amz-Content-Sha256 is not the SHA-256/);
    // Without that header, the changed body changes the signature.
    const { 'x-amz-content-sha256': _h, ...rest } = good.headers;
    const signed = /SignedHeaders=([^,]+)/.exec(good.headers.authorization!)![1]!;
    const unhashed = withAuthorization({ ...good, headers: rest }, (h) => h.replace(signed, signed.replace('x-amz-content-sha256;', '')));
    assert.match(refusal({ ...unhashed, body: Buffer.from(body) }, 'kms', now).message, /the signature does not match/);
  });

  it('refuses a request signed for another service or with a scope date not its own', () => {
    const other = refusal(good, 'cloudhsm', now);
    assert.equal(other.type, 'InvalidSignatureException');
    assert.match(other.message, /scoped to the service "kms"; this operation's is "cloudhsm"/);
    const day = good.headers['x-amz-date']!.slice(0, 8);
    const shifted = String(Number(day) - 1);
    assert.equal(refusal(withAuthorization(good, (h) => h.replace(`/${day}/`, `/${shifted}/`)), 'kms', now).type, 'InvalidSignatureException');
  });

  it('refuses a clock more than 15 minutes off either way: InvalidSignatureException naming both times', () => {
    const late = refusal(good, 'kms', now + 16 * 60_000);
    assert.equal(late.type, 'InvalidSignatureException');
    assert.match(late.message, /more than 15 minutes before this endpoint's time/);
    assert.match(refusal(good, 'kms', now - 16 * 60_000).message, /more than 15 minutes after/);
  });

  it('refuses an access key not configured: UnrecognizedClientException; a session token likewise', async () => {
    const stranger = await sdkSigned({ accessKeyId: 'AKIDSTRANGER', secretAccessKey: SECRET });
    const err = refusal(stranger, 'kms', signedAt(stranger));
    assert.equal(err.type, 'UnrecognizedClientException');
    assert.match(err.message, /AKIDSTRANGER/);
    const withToken = await sdkSigned({ accessKeyId: 'local', secretAccessKey: 'local', config: { credentials: { accessKeyId: 'local', secretAccessKey: 'local', sessionToken: 'token' } } });
    assert.equal(refusal(withToken, 'kms', signedAt(withToken)).type, 'UnrecognizedClientException');
  });

  it('refuses missing parts: no Authorization (MissingAuthenticationTokenException), no date, unsigned host or target, a broken header (IncompleteSignatureException)', () => {
    const { authorization: _a, ...unsigned } = good.headers;
    assert.equal(refusal(withHeaders(good, unsigned), 'kms', now).type, 'MissingAuthenticationTokenException');
    const { 'x-amz-date': _d, ...undated } = good.headers;
    assert.match(refusal(withHeaders(good, undated), 'kms', now).message, /no X-Amz-Date/);
    assert.equal(refusal(withHeaders(good, { ...good.headers, 'x-amz-date': '2026-01-01T00:00:00Z' }), 'kms', now).type, 'IncompleteSignatureException');
    const signed = /SignedHeaders=([^,]+)/.exec(good.headers.authorization!)![1]!;
    for (const name of ['host', 'x-amz-date', 'x-amz-target']) {
      const without = signed.split(';').filter((h) => h !== name).join(';');
      const err = refusal(withAuthorization(good, (h) => h.replace(signed, without)), 'kms', now);
      assert.equal(err.type, 'IncompleteSignatureException');
      assert.match(err.message, new RegExp(`leaves out ${name}`));
    }
    assert.match(refusal(withAuthorization(good, (h) => h.replace(signed, `${signed};x-custom`)), 'kms', now).message, /names x-custom, which the request does not carry/);
    for (const part of ['Credential', 'SignedHeaders', 'Signature']) {
      const err = refusal(withAuthorization(good, (h) => h.replace(new RegExp(`${part}=[^,]+,? ?`), '')), 'kms', now);
      assert.equal(err.type, 'IncompleteSignatureException');
      assert.match(err.message, new RegExp(`lacks ${part}`));
    }
    assert.equal(refusal(withAuthorization(good, (h) => h.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1')), 'kms', now).type, 'IncompleteSignatureException');
    assert.equal(refusal(withAuthorization(good, (h) => h.replace('/aws4_request', '')), 'kms', now).type, 'IncompleteSignatureException');
    assert.equal(refusal(withHeaders(good, { ...good.headers, authorization: 'Bearer abc' }), 'kms', now).type, 'IncompleteSignatureException');
  });
});

describe('server: the credentials file', () => {
  const fails = (json: unknown, pattern: RegExp) =>
    assert.throws(
      () => parseCredentials(json, 'keys.json'),
      (err: Error) => err instanceof HsmError && err.code === 'INVALID_ARGUMENT' && pattern.test(err.message) && !err.message.includes('TOPSECRET') && err.message.startsWith('keys.json: '),
    );

  it('reads entries, the principal defaulting to the account root', () => {
    const read = parseCredentials([{ accessKeyId: 'AKID1', secretAccessKey: 'a', principal: 'arn:aws:iam::111122223333:role/app' }, { accessKeyId: 'AKID2', secretAccessKey: 'b' }], 'f');
    assert.deepEqual([...read.values()], [
      { accessKeyId: 'AKID1', secretAccessKey: 'a', principal: 'arn:aws:iam::111122223333:role/app' },
      { accessKeyId: 'AKID2', secretAccessKey: 'b', principal: 'arn:aws:iam::000000000000:root' },
    ]);
  });

  it('refuses what is not a list of good entries, naming the entry and never the secret', () => {
    fails({ accessKeyId: 'A', secretAccessKey: 'TOPSECRET' }, /is not a JSON list/);
    fails([], /lists no credentials/);
    fails(['AKID'], /entry 1 is not an object/);
    fails([{ accessKeyId: 'A', secretKey: 'TOPSECRET' }], /entry 1 has the unknown field "secretKey"/);
    fails([{ secretAccessKey: 'TOPSECRET' }], /entry 1 has no accessKeyId/);
    fails([{ accessKeyId: 'A/B', secretAccessKey: 'TOPSECRET' }], /accessKeyId that is not 1-128 letters/);
    fails([{ accessKeyId: 'A' }], /entry 1 \(A\) has no secretAccessKey/);
    fails([{ accessKeyId: 'A', secretAccessKey: '' }], /empty or non-string secretAccessKey/);
    fails([{ accessKeyId: 'A', secretAccessKey: 'TOPSECRET', principal: 'alice' }], /principal that is not an IAM ARN/);
    fails([{ accessKeyId: 'A', secretAccessKey: 'TOPSECRET', principal: 'arn:aws:iam::1234:root' }], /principal that is not an IAM ARN/);
    fails([{ accessKeyId: 'A', secretAccessKey: 'x' }, { accessKeyId: 'A', secretAccessKey: 'TOPSECRET' }], /entry 2 repeats the accessKeyId A/);
  });
});

describe('server: the core input of a request', () => {
  it("takes the Region from the Authorization header's credential scope, if it has a well-formed one", () => {
    const auth = (value: string) => ['Host', '127.0.0.1', 'Authorization', value];
    assert.equal(signedRegion(auth('AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-2/kms/aws4_request, SignedHeaders=host, Signature=00')), 'eu-west-2');
    assert.equal(signedRegion(auth('AWS4-HMAC-SHA256 Credential=AKID/eu-west-2/kms, SignedHeaders=host, Signature=00')), undefined);
    assert.equal(signedRegion(['Host', '127.0.0.1']), undefined);
  });

  it('carries the verified principal, whatever the body says', () => {
    const route: Route = { op: createKmsKey as unknown as Route['op'] };
    const input = operationInput(route, { Description: 'x', principal: 'arn:aws:iam::999999999999:root', Plaintext: 'AQI=' }, 'arn:aws:iam::111122223333:user/alice');
    assert.equal(input.principal, 'arn:aws:iam::111122223333:user/alice');
    assert.deepEqual(input.Plaintext, new Uint8Array([1, 2]));
    // A route's own fields come after the body's too, and the principal after both.
    const extra: Route = { op: route.op, extra: { withoutPlaintext: true, principal: 'arn:aws:iam::999999999999:root' } };
    assert.deepEqual(operationInput(extra, { withoutPlaintext: false }, ACCOUNT_ROOT), { withoutPlaintext: true, principal: ACCOUNT_ROOT, requestRegion: undefined });
    // The Region is the credential scope's, never the body's (unsigned: none).
    assert.equal(operationInput(route, { requestRegion: 'eu-west-1' }, ACCOUNT_ROOT, 'us-west-2').requestRegion, 'us-west-2');
    assert.equal(operationInput(route, { requestRegion: 'eu-west-1' }, ACCOUNT_ROOT).requestRegion, undefined);
    const mapped: Route = { op: route.op, input: (b) => ({ clusterId: b.ClusterId }) };
    assert.deepEqual(operationInput(mapped, { ClusterId: 'cluster-x', principal: 'arn:aws:iam::999999999999:root' }, ACCOUNT_ROOT), { clusterId: 'cluster-x', principal: ACCOUNT_ROOT });
  });

  it('gives the core only the request\'s AWS members: a body cannot set the core\'s own fields (withoutPlaintext, approvals, clusterId)', () => {
    const route: Route = { op: createKmsKey as unknown as Route['op'] };
    // GenerateDataKey with {"withoutPlaintext": true} would otherwise be GenerateDataKeyWithoutPlaintext,
    // and approvals would make a read a write transaction.
    const input = operationInput(route, { KeyId: 'k', NumberOfBytes: 32, withoutPlaintext: true, approvals: { approval: {} }, clusterId: 'cluster-x' }, ACCOUNT_ROOT);
    assert.deepEqual(input, { KeyId: 'k', NumberOfBytes: 32, principal: ACCOUNT_ROOT, requestRegion: undefined });
  });
});
