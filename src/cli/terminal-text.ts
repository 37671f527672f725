/**
 * Text for a terminal. Labels, IDs and other values come from users (a crypto user names a key,
 * an admin lists it); printed raw, an ESC sequence in one could move the cursor, rewrite what the
 * admin sees or set the window title. Every value printed as text goes through `escapeControls`:
 * control characters other than newline and tab, DEL, C1 controls and bidirectional overrides
 * are shown as visible escapes (\x1b, \u202e). JSON output needs none of this: JSON.stringify
 * escapes control characters itself.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
