/**
 * `serve --credentials`: the endpoint takes only requests signed (AWS Signature Version 4) with an
 * access key its file lists. The real SDK clients for KMS and the cluster API with the right
 * secret, a wrong one and an unknown key; requests sent by hand without a signature, with a date
 * missing, with a body changed after signing, and signed with a clock 20 minutes off; the
 * environment variable; and files it refuses, with no secret in any message or log.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CloudHSMV2Client, DeleteClusterCommand, DeleteHsmCommand, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { CreateGrantCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { runBin, tempDir } from '../support/helpers.js';
import { startServe, type Served } from '../support/processes.js';
import { post, sdkSigned } from '../support/signed-requests.js';
import { clusterFolder } from '../support/templates.js';

const SECRET = 'Local-Secret-Key-0123456789abcdefEXAMPLE';
const KEYS = [
  { accessKeyId: 'AKIALOCALEXAMPLE0001', secretAccessKey: SECRET, principal: 'arn:aws:iam::000000000000:user/alice' },
  { accessKeyId: 'AKIALOCALEXAMPLE0002', secretAccessKey: `${SECRET}-2` },
  // Another account's user: KMS's default key policy trusts only the key's own account.
  { accessKeyId: 'AKIALOCALEXAMPLE0003', secretAccessKey: `${SECRET}-3`, principal: 'arn:aws:iam::111122223333:user/mallory' },
];

async function refusedAs(attempt: Promise<unknown>, name: string): Promise<void> {
  try {
    await attempt;
  } catch (err) {
    assert.equal((err as Error).name, name, (err as Error).message);
    assert.equal((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 400);
    assert.ok(!(err as Error).message.includes(SECRET));
    return;
  }
  assert.fail(`expected ${name}`);
}

describe('e2e: serve --credentials requires SigV4 signatures', function () {
  this.timeout(120_000);
  let served: Served;
  let dir: string;
  let file: string;
  const clients: Array<{ destroy(): void }> = [];
  const kms = (accessKeyId: string, secretAccessKey: string, extra: { systemClockOffset?: number } = {}) => {
    const client = new KMSClient({ endpoint: served.endpoint, region: 'eu-west-2', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, ...extra });
    clients.push(client);
    return client;
  };
  const cloudhsm = (accessKeyId: string, secretAccessKey: string) => {
    const client = new CloudHSMV2Client({ endpoint: served.endpoint, region: 'eu-west-2', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
    clients.push(client);
    return client;
  };

  before(async () => {
    dir = await clusterFolder();
    file = path.join(tempDir('chsm-creds-'), 'keys.json');
    fs.writeFileSync(file, JSON.stringify(KEYS), { mode: 0o600 });
    served = await startServe(dir, { args: ['--credentials', file] });
    assert.match(served.log(), /SigV4 required, 3 access keys/);
  });

  after(() => {
    for (const client of clients) client.destroy();
    if (served.process.exitCode === null) served.process.kill('SIGKILL');
  });

  it('the SDK clients work with a listed key and are refused with a wrong secret or an unknown key', async () => {
    const client = kms(KEYS[0]!.accessKeyId, SECRET);
    const { KeyMetadata } = await client.send(new CreateKeyCommand({ Description: 'signed' }));
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: new TextEncoder().encode('order 42') }));
    const { Plaintext } = await kms(KEYS[1]!.accessKeyId, KEYS[1]!.secretAccessKey).send(new DecryptCommand({ CiphertextBlob }));
    assert.equal(new TextDecoder().decode(Plaintext), 'order 42');
    // The signed caller is the principal the key policy and grants see.
    const mallory = kms(KEYS[2]!.accessKeyId, KEYS[2]!.secretAccessKey);
    await refusedAs(mallory.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: new Uint8Array([1]) })), 'AccessDeniedException');
    await client.send(new CreateGrantCommand({ KeyId: KeyMetadata!.KeyId, GranteePrincipal: KEYS[2]!.principal, Operations: ['Encrypt'] }));
    await mallory.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: new Uint8Array([1]) }));
    await refusedAs(mallory.send(new DecryptCommand({ CiphertextBlob })), 'AccessDeniedException');
    // Nor may she make keys (and aliases for them) in this account, nor list its keys.
    await refusedAs(mallory.send(new CreateKeyCommand({ Description: 'planted' })), 'AccessDeniedException');
    await refusedAs(mallory.send(new ListKeysCommand({})), 'AccessDeniedException');
    const clusters = (await cloudhsm(KEYS[0]!.accessKeyId, SECRET).send(new DescribeClustersCommand({}))).Clusters!;
    assert.equal(clusters.length, 1);
    // The cluster API is the local account's too: another account's principal neither sees nor deletes its clusters.
    const malloryHsm = cloudhsm(KEYS[2]!.accessKeyId, KEYS[2]!.secretAccessKey);
    await refusedAs(malloryHsm.send(new DescribeClustersCommand({})), 'CloudHsmAccessDeniedException');
    await refusedAs(malloryHsm.send(new DeleteClusterCommand({ ClusterId: clusters[0]!.ClusterId })), 'CloudHsmAccessDeniedException');
    await refusedAs(malloryHsm.send(new DeleteHsmCommand({ ClusterId: clusters[0]!.ClusterId, HsmId: clusters[0]!.Hsms![0]!.HsmId })), 'CloudHsmAccessDeniedException');
    const after = (await cloudhsm(KEYS[0]!.accessKeyId, SECRET).send(new DescribeClustersCommand({}))).Clusters!;
    assert.deepEqual([after[0]!.State, after[0]!.Hsms!.length], [clusters[0]!.State, clusters[0]!.Hsms!.length]);

    await refusedAs(kms(KEYS[0]!.accessKeyId, `${SECRET}x`).send(new ListKeysCommand({})), 'InvalidSignatureException');
    await refusedAs(kms(KEYS[0]!.accessKeyId, KEYS[1]!.secretAccessKey).send(new ListKeysCommand({})), 'InvalidSignatureException');
    await refusedAs(kms('AKIAUNKNOWNEXAMPLE00', SECRET).send(new ListKeysCommand({})), 'UnrecognizedClientException');
    await refusedAs(cloudhsm(KEYS[0]!.accessKeyId, 'wrong').send(new DescribeClustersCommand({})), 'InvalidSignatureException');
    await refusedAs(cloudhsm('AKIAUNKNOWNEXAMPLE00', SECRET).send(new DescribeClustersCommand({})), 'UnrecognizedClientException');
    // A client whose clock is 20 minutes behind signs a time the endpoint refuses.
    await refusedAs(kms(KEYS[0]!.accessKeyId, SECRET, { systemClockOffset: -20 * 60_000 }).send(new ListKeysCommand({})), 'InvalidSignatureException');
    assert.match(served.log(), /POST TrentService\.ListKeys 400 InvalidSignatureException \d+ ms/);
    assert.match(served.log(), /POST BaldrApiService\.DescribeClusters 400 UnrecognizedClientException \d+ ms/);
    assert.ok(!served.log().includes(SECRET));
  });

  it('requests sent by hand: unsigned, undated, a body changed after signing are refused; the signed one as sent is taken', async () => {
    const unsigned = await post(served.endpoint, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, '{}');
    assert.deepEqual([unsigned.status, unsigned.type, unsigned.body.__type], [400, 'MissingAuthenticationTokenException', 'MissingAuthenticationTokenException']);

    const signed = await sdkSigned({ accessKeyId: KEYS[0]!.accessKeyId, secretAccessKey: SECRET, endpoint: served.endpoint }, (client) => client.send(new CreateKeyCommand({ Description: 'aaaa' })));
    const { authorization: _a, ...noAuth } = signed.headers;
    assert.equal((await post(served.endpoint, noAuth, signed.body)).type, 'MissingAuthenticationTokenException');
    const { 'x-amz-date': _d, ...undated } = signed.headers;
    const noDate = await post(served.endpoint, undated, signed.body);
    assert.deepEqual([noDate.status, noDate.type], [400, 'IncompleteSignatureException']);
    assert.match(noDate.body.message, /X-Amz-Date/);
    const broken = await post(served.endpoint, { ...signed.headers, authorization: signed.headers.authorization!.replace(/, Signature=\w+/, '') }, signed.body);
    assert.deepEqual([broken.status, broken.type], [400, 'IncompleteSignatureException']);
    // The same length, another description: the hash the signature covers no longer matches.
    const tampered = await post(served.endpoint, signed.headers, Buffer.from(signed.body.toString().replace('aaaa', 'bbbb')));
    assert.deepEqual([tampered.status, tampered.type], [400, 'InvalidSignatureException']);
    const asSent = await post(served.endpoint, signed.headers, signed.body);
    assert.equal(asSent.status, 200, JSON.stringify(asSent.body));
    assert.equal(asSent.body.KeyMetadata.Description, 'aaaa');
  });

  it('CLOUDHSM_SERVE_CREDENTIALS names the file too; without either, any request is taken', async () => {
    const other = await startServe(await clusterFolder(), { env: { CLOUDHSM_SERVE_CREDENTIALS: file } });
    try {
      assert.equal((await post(other.endpoint, { 'x-amz-target': 'TrentService.ListKeys' }, '{}')).type, 'MissingAuthenticationTokenException');
    } finally {
      other.process.kill('SIGKILL');
    }
    const open = await startServe(await clusterFolder());
    try {
      assert.match(open.log(), /any credentials accepted/);
      assert.equal((await post(open.endpoint, { 'x-amz-target': 'TrentService.ListKeys' }, '{}')).status, 200);
    } finally {
      open.process.kill('SIGKILL');
    }
  });

  it('refuses a credentials file it cannot use before listening, and never prints a secret from it', () => {
    const folder = tempDir('chsm-creds-bad-');
    const write = (name: string, text: string) => {
      const p = path.join(folder, name);
      fs.writeFileSync(p, text);
      return p;
    };
    const cases: Array<[string, RegExp]> = [
      [write('broken.json', `[{"accessKeyId": "A", "secretAccessKey": "${SECRET}"`), /is not JSON/],
      [write('empty.json', '[]'), /lists no credentials/],
      [write('typo.json', JSON.stringify([{ accessKeyId: 'A', secretKey: SECRET }])), /unknown field "secretKey"/],
      [path.join(folder, 'missing.json'), /no such file/],
    ];
    for (const [name, message] of cases) {
      const run = runBin(['serve', '--port', '0', '--credentials', name], { env: { CLOUDHSM_STATE_DIR: dir } });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /--credentials/);
      assert.ok(!`${run.stdout}${run.stderr}`.includes(SECRET));
    }
    const fromEnv = runBin(['serve', '--port', '0'], { env: { CLOUDHSM_STATE_DIR: dir, CLOUDHSM_SERVE_CREDENTIALS: cases[1]![0] } });
    assert.equal(fromEnv.status, 1);
    assert.match(fromEnv.stderr, /CLOUDHSM_SERVE_CREDENTIALS .*lists no credentials/);
  });
});
