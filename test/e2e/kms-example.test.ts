/**
 * The sample application in examples/kms-custom-key-store runs, unchanged, against `serve` on a
 * local cluster: a key in a custom key store encrypts and decrypts, and makes a data key.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/core/store/index.js';
import { storeKeys, type ClusterRecord } from '../../src/core/cluster/model.js';
import { ROOT, cleanEnv, tempDir } from '../support/helpers.js';
import { startServe } from '../support/processes.js';
import { clusterFolder } from '../support/templates.js';

describe('e2e: the KMS sample application', function () {
  this.timeout(120_000);

  it('examples/kms-custom-key-store/app.mjs encrypts, decrypts and makes a data key through the endpoint', async () => {
    const dir = await clusterFolder({ cryptoUsers: { kmsuser: 'Kms-User-Pass-1' } });
    const cluster = await (await Store.open({ dir })).read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    const anchor = path.join(tempDir(), 'customerCA.crt');
    fs.writeFileSync(anchor, cluster.trustAnchorPem!);
    const served = await startServe(dir);
    try {
      const run = spawnSync(process.execPath, [path.join(ROOT, 'examples', 'kms-custom-key-store', 'app.mjs')], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...cleanEnv(), KMS_ENDPOINT: served.endpoint, CLUSTER_ID: cluster.clusterId, TRUST_ANCHOR: anchor, KMSUSER_PASSWORD: 'Kms-User-Pass-1' },
        timeout: 60_000,
      });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const out = JSON.parse(run.stdout) as Record<string, unknown>;
      assert.match(String(out.keyStore), /^cks-[0-9a-f]{17}$/);
      assert.match(String(out.key), /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
      assert.equal(out.origin, 'AWS_CLOUDHSM');
      assert.equal(out.roundTrip, 'card 4111-1111');
      assert.equal(out.dataKeyBytes, 32);
    } finally {
      served.process.kill('SIGTERM');
    }
  });
});
