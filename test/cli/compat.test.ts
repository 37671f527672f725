/**
 * The `cloudhsm-cli` entry offers the real CloudHSM CLI's commands only (PRODUCT.md; spec
 * cli-commands.md §2). This walks the whole command list: every command of the registry is either
 * one the real tool has, which the entry runs, or an extension, which it refuses naming
 * `cloudhsm-local`. The binary itself is exercised in test/e2e/cloudhsm-cli-compat.test.ts.
 */
import assert from 'node:assert/strict';
import { CLOUDHSM_CLI_COMMANDS, cloudHsmCliCatalog, cloudHsmCliRefusal } from '../../src/cli/compat.js';
import type { CommandCatalog } from '../../src/cli/catalog.js';
import { COMMAND_IDS } from '../../src/registry.js';

const registry: CommandCatalog = { ids: COMMAND_IDS, run: () => Promise.resolve(undefined) };
const catalog = cloudHsmCliCatalog(registry);

describe('cloudhsm-cli offers the real tool\'s commands only', () => {
  it('refuses every extension command, naming cloudhsm-local, and runs every real one', () => {
    const refused: string[] = [];
    for (const id of COMMAND_IDS) {
      const words = id.split(':');
      const refusal = cloudHsmCliRefusal([...words, '--cluster-id', 'x'], catalog);
      if (CLOUDHSM_CLI_COMMANDS.has(id) && id !== 'shell') {
        assert.equal(refusal, undefined, `cloudhsm-cli refuses ${words.join(' ')}, which the CloudHSM CLI has`);
      } else {
        assert.ok(refusal, `cloudhsm-cli runs ${words.join(' ')}, which the CloudHSM CLI does not have`);
        refused.push(id);
        if (id !== 'shell') assert.ok(refusal.includes(`\`cloudhsm-local ${words.join(' ')}\``), refusal);
      }
    }
    // The extensions of today: the cluster plane, hsm, the extra crypto and key commands.
    for (const id of ['cluster:create', 'cluster:quickstart', 'hsm:create', 'crypto:digest', 'crypto:random', 'crypto:hmac:generate', 'crypto:encrypt:aes-gcm', 'key:export-public', 'key:derive:ecdh']) {
      assert.ok(refused.includes(id), `${id} is an extension`);
    }
  });

  it('lists and suggests only the real commands, and refuses groups that hold only extensions', () => {
    assert.ok(catalog.ids.every((id) => CLOUDHSM_CLI_COMMANDS.has(id)));
    assert.match(cloudHsmCliRefusal(['crypto', 'hmac'], catalog)!, /"crypto hmac" is a cloudhsm-local extension/);
    assert.match(cloudHsmCliRefusal(['crypto', 'encrypt', 'aes-gcm', '--data', 'x'], catalog)!, /cloudhsm-local crypto encrypt aes-gcm/);
    assert.equal(cloudHsmCliRefusal(['crypto', 'sign', 'ecdsa'], catalog), undefined);
    assert.equal(cloudHsmCliRefusal(['key'], catalog), undefined);
    assert.equal(cloudHsmCliRefusal(['interactive'], catalog), undefined);
  });

  it('refuses first words the real tool does not take without repeating them, and flags only we have', () => {
    const refusal = cloudHsmCliRefusal(['Hunter2-Password', 'list'], catalog)!;
    assert.match(refusal, /not a CloudHSM CLI command/);
    assert.ok(!refusal.includes('Hunter2'));
    assert.match(cloudHsmCliRefusal(['shell'], catalog)!, /not a CloudHSM CLI command/);
    assert.match(cloudHsmCliRefusal(['user', 'create', '--username', 'bob', '--password-stdin'], catalog)!, /--password-stdin is a cloudhsm-local flag/);
    assert.match(cloudHsmCliRefusal(['crypto', 'sign', 'ecdsa', '--out=sig.bin'], catalog)!, /--out is a cloudhsm-local flag/);
    assert.match(cloudHsmCliRefusal(['crypto', 'verify', 'ecdsa', '--signature-format', 'der'], catalog)!, /--signature-format is a cloudhsm-local flag/);
  });
});
