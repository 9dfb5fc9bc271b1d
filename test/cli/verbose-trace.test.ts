import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// -v shows each reply line exactly as the server sent it (without its line
// ending, control characters escaped): a continuation keeps its hyphen, a
// line without a code gains none.

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const replies = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('< '));

describe('the -v trace of replies', () => {
  it('shows a multi-line reply line by line as received', async () => {
    fake = await startFakeServer({
      greeting: '220-Welcome\r\n  a line without a code\r\n220-\r\n220 Ready',
      handlers: { PASS: '230-Hello\r\n230 Logged in' },
      files: { 'a.txt': 'x' },
    });
    const r = await tftp(['ls', '-v', '--names', '-P', String(fake.port), '127.0.0.1']);
    expect(r.code).toBe(0);
    const got = replies(r.stderr);
    expect(got.slice(0, 4)).toEqual(['< 220-Welcome', '<   a line without a code', '< 220-', '< 220 Ready']);
    expect(got).toContain('< 230-Hello');
    expect(got).toContain('< 230 Logged in');
    expect(got).toContain('< 331 Password required');
  });

  it('a bare code line and bare LF line endings come out as sent', async () => {
    fake = await startFakeServer({ lineEnding: '\n', greeting: '220\n', files: { 'a.txt': 'x' } });
    const r = await tftp(['ls', '-v', '--names', '-P', String(fake.port), '127.0.0.1']);
    expect(r.code).toBe(0);
    expect(replies(r.stderr)[0]).toBe('< 220');
    expect(r.stderr).not.toContain('\r');
  });

  it('escapes control characters in a reply line', async () => {
    fake = await startFakeServer({ greeting: '220-a\x1b[2Jb\r\n220 ok' });
    const r = await tftp(['ls', '-v', '--names', '-P', String(fake.port), '127.0.0.1']);
    expect(replies(r.stderr)[0]).toBe('< 220-a\\x1b[2Jb');
  });
});
