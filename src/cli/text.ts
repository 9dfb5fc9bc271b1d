/**
 * Text from a server, made safe for a terminal: control characters (ESC
 * sequences could retitle or clear it) are shown escaped, and so are the
 * bidirectional overrides and isolates, which could show a name reversed.
 */
export function printable(text: string): string {
  return text
    .replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

// East Asian wide and fullwidth characters, and emoji, take two terminal columns.
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200b-\u200f\ufe00-\ufe0f]/u;

/** The columns `text` takes on a terminal (printable text: no control characters). */
export function columnsOf(text: string): number {
  let n = 0;
  for (const ch of text) n += ZERO_WIDTH.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
  return n;
}

/** `text` in at most `columns` columns: the end kept, the start replaced by "…". */
export function shortenLeft(text: string, columns: number): string {
  if (columnsOf(text) <= columns) return text;
  if (columns <= 0) return '';
  const chars = [...text];
  let kept = '';
  let width = 1; // the ellipsis
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = columnsOf(chars[i]!);
    if (width + w > columns) break;
    kept = chars[i]! + kept;
    width += w;
  }
  return '…' + kept;
}
