/**
 * Progress (src/cli/progress.ts) shows on a terminal only, never with JSON, only for work slower
 * than the delay, and is erased when the work ends. The binary under a real terminal is checked
 * in test/e2e/progress-pty.test.ts.
 */
import assert from 'node:assert/strict';
import { PROGRESS_DELAY_MS, withProgress } from '../../src/cli/progress.js';

function stream(isTTY: boolean) {
  const out = { text: '', isTTY, write: (s: string) => (out.text += s) };
  return out;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('progress', () => {
  it('draws the label on a terminal once the work is slow, then erases the line', async () => {
    const tty = stream(true);
    const result = await withProgress({ stream: tty, json: false, env: {}, label: 'key list…' }, async () => {
      await sleep(PROGRESS_DELAY_MS + 250);
      return 42;
    });
    assert.equal(result, 42);
    assert.match(tty.text, /key list…/);
    assert.ok(tty.text.endsWith('\r\x1b[2K'), 'the line is erased at the end');
  });

  it('shows nothing for quick work, with JSON, when piped, or on a dumb terminal, and passes failures through', async () => {
    const slow = async () => sleep(PROGRESS_DELAY_MS + 150);
    const quick = stream(true);
    await withProgress({ stream: quick, json: false, env: {}, label: 'x' }, () => sleep(5));
    const json = stream(true);
    await withProgress({ stream: json, json: true, env: {}, label: 'x' }, slow);
    const piped = stream(false);
    await withProgress({ stream: piped, json: false, env: {}, label: 'x' }, slow);
    const dumb = stream(true);
    await withProgress({ stream: dumb, json: false, env: { TERM: 'dumb' }, label: 'x' }, slow);
    assert.deepEqual([quick.text, json.text, piped.text, dumb.text], ['', '', '', '']);
    const failing = stream(true);
    await assert.rejects(
      withProgress({ stream: failing, json: false, env: {}, label: 'x' }, async () => {
        await slow();
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.ok(failing.text.endsWith('\r\x1b[2K'), 'erased before the error is printed');
  });
});
