/** The shell's history file: bounded, and cut back seldom whatever the length of its lines. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HISTORY_MAX_BYTES, History } from '../../src/shell/history.js';
import { tempDir } from '../support/helpers.js';

describe('shell history file', () => {
  it('stays within its byte budget and is rewritten only a few times for thousands of long lines', () => {
    const file = path.join(tempDir(), 'history');
    const history = new History(file);
    let rewrites = 0;
    let inode = -1;
    for (let i = 0; i < 3000; i++) {
      history.add(`key list --filter attr.label=${String(i).padStart(6, '0')}-${'x'.repeat(900)}`);
      const now = fs.statSync(file).ino;
      if (inode !== -1 && now !== inode) rewrites++;
      inode = now;
      assert.ok(fs.statSync(file).size <= HISTORY_MAX_BYTES + 1024);
    }
    assert.ok(rewrites > 0 && rewrites <= 12, `rewritten ${rewrites} times`);
    assert.match(fs.readFileSync(file, 'utf8'), /002999-/);
  });
});
