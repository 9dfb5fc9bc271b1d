import { describe, expect, it } from 'vitest';
import { formatState, parseState, type StateEntry } from '../../src/core/jobs/sync/state.js';

// The state file's text is put together by hand: it must be what JSON.stringify writes.
const sha = 'ab'.repeat(32);
const reference = (entries: Map<string, StateEntry>) => {
  const files = Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ tftpSync: 1, files }, null, 1)}\n`;
};

describe('formatState', () => {
  it('writes what JSON.stringify(…, null, 1) writes, paths sorted, whatever the names', () => {
    const entries = new Map<string, StateEntry>([
      ['z/last.txt', { size: 1, mtime: 1767225600000.25, sha256: sha }],
      ['a "quoted" \\ name\n.txt', { size: 0, mtime: 0 }],
      ['a.txt', { size: 12, mtime: 1767225600123, sha256: sha }],
      ['a/b.txt', { size: 3, mtime: -1.5 }],
      ['ünï\u{1f600}\u0007.bin', { size: 2 ** 40, mtime: 1e21, sha256: sha }],
    ]);
    const text = formatState(entries).toString('utf8');
    expect(text).toBe(reference(entries));
    expect(parseState(Buffer.from(text))).toEqual(new Map([...entries].sort(([a], [b]) => (a < b ? -1 : 1))));
  });

  it('an empty state, and one already in order', () => {
    expect(formatState(new Map()).toString()).toBe(reference(new Map()));
    const sorted = new Map<string, StateEntry>([
      ['a', { size: 1, mtime: 2 }],
      ['b', { size: 3, mtime: 4, sha256: sha }],
    ]);
    expect(formatState(sorted).toString()).toBe(reference(sorted));
  });
});
