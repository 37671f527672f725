/**
 * The AWS CLI (Debian's awscli, /usr/bin/aws) against `serve`: a cluster set up with the
 * project's CLI (quickstart: two HSMs in two availability zones; a kmsuser crypto user), then a
 * custom key store created, connected and polled, a key in it, an encrypt/decrypt round trip of
 * raw bytes through fileb:// and --query/--output text, errors as the AWS CLI prints them, the
 * cluster API's describe-clusters; and `serve --credentials` with the right and a wrong secret.
 * The AWS CLI reads nothing of the developer's own configuration.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runBin, tempDir } from '../support/helpers.js';
import { startServe, type Served } from '../support/processes.js';
import { findProgram, requireProgram } from '../support/system.js';

const ADMIN_PASSWORD = 'Admin-Pass-1';
const KMSUSER_PASSWORD = 'Kms-User-Pass-1';

/**
 * Waits until `served` has logged a line matching `line`: the AWS CLI runs synchronously, so the
 * endpoint's log reaches this process only once the event loop turns again.
 */
async function logged(served: Served, line: RegExp): Promise<void> {
  for (let i = 0; i < 100 && !line.test(served.log()); i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(served.log(), line);
}

interface AwsRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A refusal as the AWS CLI reports it: the exception and operation on stderr, exit 254 (v2) or 255 (v1). */
function refusedWith(result: AwsRun, exception: string, operation: string): void {
  assert.ok(result.status === 254 || result.status === 255, `exit ${result.status}: ${result.stderr}`);
  assert.match(result.stderr, new RegExp(`An error occurred \\(${exception}\\) when calling the ${operation} operation`));
  assert.equal(result.stdout, '');
}

describe('system: the AWS CLI against serve', function () {
  this.timeout(180_000);
  let aws: string;
  let work: string;
  let dir: string;
  let served: Served;
  let clusterId: string;
  const started: Served[] = [];

  /** The AWS CLI on `endpoint` with only these credentials and region, and no config, pager or prompt. */
  const run = (endpoint: string, args: string[], credentials: { id: string; secret: string } = { id: 'AKIAIOSFODNN7EXAMPLE', secret: 'local-dummy-secret' }): AwsRun => {
    const result = spawnSync(aws, ['--endpoint-url', endpoint, ...args], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        LANG: 'C.UTF-8',
        AWS_ACCESS_KEY_ID: credentials.id,
        AWS_SECRET_ACCESS_KEY: credentials.secret,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
        AWS_PAGER: '',
        AWS_CLI_AUTO_PROMPT: 'off',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_MAX_ATTEMPTS: '1',
      },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const ok = (endpoint: string, args: string[], credentials?: { id: string; secret: string }): string => {
    const result = run(endpoint, args, credentials);
    assert.equal(result.status, 0, `aws ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const kms = (args: string[]) => ok(served.endpoint, ['kms', ...args]);

  before(async function () {
    aws = requireProgram(this, 'the AWS CLI', findProgram(['/usr/bin/aws'], 'aws'), 'apt-get install awscli (see README, "System tests")');
    work = tempDir('chsm-awscli-');
    dir = path.join(work, 'state');
    const env = { CLOUDHSM_STATE_DIR: dir };
    const quickstart = runBin(['cluster', 'quickstart', '--password-stdin', '--trust-anchor-out', path.join(work, 'customerCA.crt'), '--json'], { env, input: `${ADMIN_PASSWORD}\n` });
    assert.equal(quickstart.status, 0, quickstart.stderr);
    const user = runBin(['user', 'create', '--username', 'kmsuser', '--role', 'crypto-user', '--password', KMSUSER_PASSWORD, '--json'], { env: { ...env, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: `admin:${ADMIN_PASSWORD}` } });
    assert.equal(user.status, 0, user.stderr);
    served = await startServe(dir);
    started.push(served);
  });

  after(() => {
    for (const s of started) if (s.process.exitCode === null) s.process.kill('SIGKILL');
  });

  it('describe-clusters: the cluster the CLI made, ACTIVE with two HSMs in two availability zones', () => {
    const { Clusters } = JSON.parse(ok(served.endpoint, ['cloudhsmv2', 'describe-clusters']));
    assert.equal(Clusters.length, 1);
    const [cluster] = Clusters;
    assert.equal(cluster.State, 'ACTIVE');
    assert.equal(cluster.Hsms.length, 2);
    assert.equal(new Set(cluster.Hsms.map((h: { AvailabilityZone: string }) => h.AvailabilityZone)).size, 2);
    assert.ok(cluster.Hsms.every((h: { State: string }) => h.State === 'ACTIVE'));
    clusterId = cluster.ClusterId;
    assert.equal(ok(served.endpoint, ['cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${clusterId}`, '--query', 'Clusters[0].Hsms[].AvailabilityZone', '--output', 'text']).trim().split(/\s+/).length, 2);
  });

  it('a custom key store: create, connect, poll until CONNECTED; a key in it; encrypt and decrypt raw bytes; errors by their exception names', async () => {
    assert.ok(clusterId, 'describe-clusters ran first');
    const storeId = kms([
      'create-custom-key-store',
      '--custom-key-store-name', 'SystemTestStore',
      '--cloud-hsm-cluster-id', clusterId,
      '--trust-anchor-certificate', `file://${path.join(work, 'customerCA.crt')}`,
      '--key-store-password', KMSUSER_PASSWORD,
      '--query', 'CustomKeyStoreId', '--output', 'text',
    ]).trim();
    assert.match(storeId, /^cks-[0-9a-f]{17}$/);
    kms(['connect-custom-key-store', '--custom-key-store-id', storeId]);
    let state = '';
    for (let i = 0; i < 30 && state !== 'CONNECTED'; i++) {
      state = kms(['describe-custom-key-stores', '--custom-key-store-id', storeId, '--query', 'CustomKeyStores[0].ConnectionState', '--output', 'text']).trim();
      assert.notEqual(state, 'FAILED');
      if (state !== 'CONNECTED') await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(state, 'CONNECTED');

    const keyId = kms(['create-key', '--origin', 'AWS_CLOUDHSM', '--custom-key-store-id', storeId, '--description', 'system test', '--query', 'KeyMetadata.KeyId', '--output', 'text']).trim();
    assert.match(keyId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const described = JSON.parse(kms(['describe-key', '--key-id', keyId]));
    assert.deepEqual([described.KeyMetadata.Origin, described.KeyMetadata.CustomKeyStoreId, described.KeyMetadata.KeyState], ['AWS_CLOUDHSM', storeId, 'Enabled']);

    // Raw bytes, zeros and high bytes included, through fileb:// both ways.
    const plaintext = Buffer.concat([Buffer.from([0, 255, 10, 13]), randomBytes(60)]);
    fs.writeFileSync(path.join(work, 'plain.bin'), plaintext);
    const ciphertext = kms(['encrypt', '--key-id', keyId, '--plaintext', 'fileb://plain.bin', '--encryption-context', 'dept=sales', '--query', 'CiphertextBlob', '--output', 'text']).trim();
    fs.writeFileSync(path.join(work, 'cipher.bin'), Buffer.from(ciphertext, 'base64'));
    const decrypted = kms(['decrypt', '--ciphertext-blob', 'fileb://cipher.bin', '--encryption-context', 'dept=sales', '--query', 'Plaintext', '--output', 'text']).trim();
    assert.deepEqual(Buffer.from(decrypted, 'base64'), plaintext);
    const decryptedKey = kms(['decrypt', '--ciphertext-blob', 'fileb://cipher.bin', '--encryption-context', 'dept=sales', '--query', 'KeyId', '--output', 'text']).trim();
    assert.equal(decryptedKey, described.KeyMetadata.Arn);

    // The AWS CLI names the exception on standard error.
    refusedWith(run(served.endpoint, ['kms', 'decrypt', '--ciphertext-blob', 'fileb://cipher.bin', '--encryption-context', 'dept=other']), 'InvalidCiphertextException', 'Decrypt');
    refusedWith(run(served.endpoint, ['kms', 'describe-key', '--key-id', '00000000-0000-4000-8000-000000000000']), 'NotFoundException', 'DescribeKey');
    kms(['disconnect-custom-key-store', '--custom-key-store-id', storeId]);
    refusedWith(run(served.endpoint, ['kms', 'encrypt', '--key-id', keyId, '--plaintext', 'fileb://plain.bin']), 'KMSInvalidStateException', 'Encrypt');
    await logged(served, /POST TrentService\.Decrypt 400 InvalidCiphertextException \d+ ms/);
  });

  it('serve --credentials: the listed key works through the AWS CLI; a wrong secret or an unknown key is refused', async () => {
    const secret = 'System-Test-Secret-0123456789';
    const file = path.join(work, 'aws-keys.json');
    fs.writeFileSync(file, JSON.stringify([{ accessKeyId: 'AKIASYSTEMTEST000001', secretAccessKey: secret, principal: 'arn:aws:iam::000000000000:user/ci' }]), { mode: 0o600 });
    const signed = await startServe(dir, { args: ['--credentials', file] });
    started.push(signed);
    const right = { id: 'AKIASYSTEMTEST000001', secret };
    assert.ok(JSON.parse(ok(signed.endpoint, ['kms', 'list-keys'], right)).Keys.length >= 1);
    assert.equal(ok(signed.endpoint, ['cloudhsmv2', 'describe-clusters', '--query', 'Clusters[0].ClusterId', '--output', 'text'], right).trim(), clusterId);
    refusedWith(run(signed.endpoint, ['kms', 'list-keys'], { ...right, secret: `${secret}x` }), 'InvalidSignatureException', 'ListKeys');
    refusedWith(run(signed.endpoint, ['cloudhsmv2', 'describe-clusters'], { id: 'AKIAUNKNOWN000000000', secret }), 'UnrecognizedClientException', 'DescribeClusters');
    await logged(signed, /POST BaldrApiService\.DescribeClusters 400 UnrecognizedClientException/);
    assert.ok(!signed.log().includes(secret));
  });
});
