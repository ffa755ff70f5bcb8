/**
 * Control characters that came from files (attribute values, paths) and arguments are escaped
 * before the CLI prints them, so a file cannot drive the terminal. (Library field names become
 * flags through the option declarations: src/cli/options.ts fieldsToFlags.)
 */

/**
 * Control characters (C0 but tab, DEL, C1) as visible escapes (`\x1b`), so text from files and
 * arguments cannot move the cursor, recolour or retitle a terminal; newlines too, where a value
 * must stay on its line.
 */
export function escapeControl(text: string, keepNewlines = false): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    const control = (c < 0x20 && ch !== '\t') || (c >= 0x7f && c <= 0x9f);
    out += control && !(keepNewlines && ch === '\n') ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}
