import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { startFakeServer, waitUntil, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// The same folder described by LIST (ls -l text) and by MLSD (facts) must give the same entries.
const LIST = [
  '-rw-r--r--    1 0        0            4096 Mar 01  2025 report.pdf',
  'drwxr-xr-x    2 0        0            4096 Jan 15  2024 archive',
  'lrwxrwxrwx    1 0        0               8 Feb 02  2023 latest -> data.bin',
  '-rw-r--r--    1 0        0       123456789 Dec 31  2022 name with spaces.bin',
].join('\r\n');
const MLSD = [
  'type=cdir;modify=20250101000000; .',
  'type=file;size=4096;modify=20250301000000;UNIX.mode=0644; report.pdf',
  'type=dir;sizd=4096;modify=20240115000000;UNIX.mode=0755; archive',
  'type=OS.unix=slink:data.bin;size=8;modify=20230202000000; latest',
  'type=file;size=123456789;modify=20221231000000; name with spaces.bin',
].join('\r\n');

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function lsJson(mlsd: boolean) {
  server = await startFakeServer(mlsd ? { handlers: { FEAT: '211-Features:\r\n MLST type*;size*;modify*;\r\n211 End' } } : {});
  server.listings.set('pub', LIST + '\r\n');
  server.mlsd.set('pub', MLSD + '\r\n');
  const r = await tftp(['ls', '--json', '-P', String(server.port), '127.0.0.1', 'pub']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { entries: JSON.parse(r.stdout.toString()) as Record<string, unknown>[], verbs: server.verbs() };
}

describe('ls --json', () => {
  it('gives the same entries from LIST and from MLSD', async () => {
    const fromList = await lsJson(false);
    expect(fromList.verbs).toContain('LIST');
    await server!.close();
    const fromMlsd = await lsJson(true);
    expect(fromMlsd.verbs).toContain('MLSD');
    expect(fromList.entries.map((e) => e.name)).toEqual(['report.pdf', 'archive', 'latest', 'name with spaces.bin']);
    const comparable = (list: Record<string, unknown>[]) => list.map(({ name, type, modified, target, size }) => ({ name, type, modified, target, size: type === 'file' ? size : undefined }));
    expect(comparable(fromMlsd.entries)).toEqual(comparable(fromList.entries));
    expect(fromList.entries[2]).toMatchObject({ type: 'link', target: 'data.bin' });
  });

  it('reports a line it cannot read on stderr instead of dropping it', async () => {
    server = await startFakeServer();
    server.listings.set('pub', LIST + '\r\nthis is not a listing line at all\r\n');
    const r = await tftp(['ls', '--json', '-P', String(server.port), '127.0.0.1', 'pub']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/listing line not understood: "this is not a listing line at all"/);
    expect(JSON.parse(r.stdout.toString())).toHaveLength(4);
  });
});

const MLST_FEAT = { FEAT: '211-Features:\r\n MLST type*;size*;modify*;UNIX.mode*;\r\n211 End' };
const at = (s: FakeServer) => ['-P', String(s.port), '127.0.0.1'];

describe('ls -l of a very long listing', () => {
  it('prints 300 000 entries (no argument spread over the rows)', async () => {
    server = await startFakeServer({ handlers: MLST_FEAT });
    const n = 300_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`type=file;size=${i};modify=20260101000000; f${String(i).padStart(6, '0')}`);
    server.mlsd.set('big', lines.join('\r\n') + '\r\n');
    const r = await tftp(['ls', '-l', ...at(server), 'big']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout.toString().split('\n');
    expect(rows).toHaveLength(n + 1);
    expect(rows[n - 1]).toMatch(/^-\s+299999\s+2026-01-01 00:00\s+f299999$/);
  }, 60_000);
});

// Names, link targets and raw lines as a hostile server could send them: retitle and clear the terminal.
const EVIL = '\x1b]0;pwned\x07\x1b[2J';
const C1 = '\u009b31m'; // CSI as one C1 character: also a terminal escape
const noControls = (text: string) => expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);

describe('server text reaches the terminal escaped', () => {
  const LONG = [
    `-rw-r--r-- 1 0 0 5 Jan 01  2026 a${EVIL}b`,
    `lrwxrwxrwx 1 0 0 9 Jan 01  2026 link -> t${EVIL}`,
    `-rw-r--r-- 1 0 0 5 Jan 01  2026 c1${C1}`,
  ].join('\r\n') + '\r\n';

  it('ls -l: names and link targets', async () => {
    server = await startFakeServer();
    server.listings.set('pub', LONG);
    const r = await tftp(['ls', '-l', ...at(server), 'pub']);
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout.toString();
    noControls(text);
    expect(text).toContain('a\\x1b]0;pwned\\x07\\x1b[2Jb');
    expect(text).toContain('link -> t\\x1b]0;pwned\\x07\\x1b[2J');
    expect(text).toContain('c1\\x9b31m');
  });

  it('ls and ls --names: the raw lines, line breaks kept', async () => {
    server = await startFakeServer({ files: { [`n${EVIL}`]: 'x', [`m${C1}`]: 'y' } });
    server.listings.set('pub', LONG);
    const raw = await tftp(['ls', ...at(server), 'pub']);
    expect(raw.code, raw.stderr).toBe(0);
    noControls(raw.stdout.toString());
    const lines = raw.stdout.toString().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('-rw-r--r-- 1 0 0 5 Jan 01  2026 a\\x1b]0;pwned\\x07\\x1b[2Jb');
    expect(lines[2]).toBe('-rw-r--r-- 1 0 0 5 Jan 01  2026 c1\\x9b31m');
    const names = await tftp(['ls', '--names', ...at(server)]);
    expect(names.code, names.stderr).toBe(0);
    expect(names.stdout.toString()).toBe('n\\x1b]0;pwned\\x07\\x1b[2J\nm\\x9b31m\n');
  });

  it('ls: a listing arriving one byte at a time keeps its characters, and CR CR LF ends a line', async () => {
    const text = Buffer.from('-rw-r--r-- 1 0 0 5 Jan 01  2026 caf\u00e9 \u2603\r\r\n-rw-r--r-- 1 0 0 5 Jan 01  2026 a\rb\r\n');
    server = await startFakeServer({
      handlers: {
        LIST: async ({ session }) => {
          const data = await session.openData();
          await session.reply(150, 'Here it comes');
          for (let i = 0; i < text.length; i++) {
            data.write(text.subarray(i, i + 1));
            await new Promise((r) => setTimeout(r, 1));
          }
          data.end();
          await once(data, 'close');
          await session.reply(226, 'Done');
        },
      },
    });
    const r = await tftp(['ls', ...at(server), 'pub']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('-rw-r--r-- 1 0 0 5 Jan 01  2026 caf\u00e9 \u2603\n-rw-r--r-- 1 0 0 5 Jan 01  2026 a\\x0db\n');
  });

  it('ls --json: C1 characters are escaped too, and the names read back exactly', async () => {
    server = await startFakeServer();
    server.listings.set('pub', LONG + `this line ${EVIL}${C1} is no entry\r\n`);
    const r = await tftp(['ls', '--json', ...at(server), 'pub']);
    expect(r.code).toBe(0);
    noControls(r.stdout.toString());
    noControls(r.stderr.replace(/\n$/, ''));
    expect(r.stderr).toContain('listing line not understood: "this line \\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m is no entry"');
    const entries = JSON.parse(r.stdout.toString()) as { name: string; target?: string }[];
    expect(entries.map((e) => e.name)).toEqual([`a${EVIL}b`, 'link', `c1${C1}`]);
    expect(entries[1]!.target).toBe(`t${EVIL}`);
  });
});

describe('MLSD symlinks and modes', () => {
  const MLSD_LINKS = [
    'type=OS.unix=slink:/etc/motd;size=9;modify=20260101000000;UNIX.mode=0777; motd',
    'type=OS.unix=symlink;size=3;modify=20260101000000;UNIX.mode=0777;perm=adfr; dirlink',
    'type=file;UNIX.slink=/srv/real;size=4;modify=20260101000000; slinked',
    'type=file;unix.slink=data.bin;size=8;modify=20260101000000; lower',
    'type=file;size=12;modify=20260101000000;UNIX.mode=0755;perm=adfrw; run.sh',
    'type=file;size=1;modify=20260101000000;perm=adfrw; noperm',
  ].join('\r\n') + '\r\n';

  it('ls --json: links with their targets; permissions only from UNIX.mode', async () => {
    server = await startFakeServer({ handlers: MLST_FEAT });
    server.mlsd.set('pub', MLSD_LINKS);
    const r = await tftp(['ls', '--json', ...at(server), 'pub']);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout.toString()) as Record<string, unknown>[];
    expect(e.map(({ name, type, target, permissions }) => ({ name, type, target, permissions }))).toEqual([
      { name: 'motd', type: 'link', target: '/etc/motd', permissions: 'rwxrwxrwx' },
      { name: 'dirlink', type: 'link', target: undefined, permissions: 'rwxrwxrwx' },
      { name: 'slinked', type: 'link', target: '/srv/real', permissions: undefined },
      { name: 'lower', type: 'link', target: 'data.bin', permissions: undefined },
      { name: 'run.sh', type: 'file', target: undefined, permissions: 'rwxr-xr-x' },
      { name: 'noperm', type: 'file', target: undefined, permissions: undefined },
    ]);
  });

  it('ls -l shows rwx permissions, never the perm fact, and link targets', async () => {
    server = await startFakeServer({ handlers: MLST_FEAT });
    server.mlsd.set('pub', MLSD_LINKS);
    const r = await tftp(['ls', '-l', ...at(server), 'pub']);
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout.toString();
    expect(text).not.toContain('adf');
    expect(text).toMatch(/^lrwxrwxrwx\s+9\s+2026-01-01 00:00\s+motd -> \/etc\/motd$/m);
    expect(text).toMatch(/^l\s+4\s+2026-01-01 00:00\s+slinked -> \/srv\/real$/m);
    expect(text).toMatch(/^-rwxr-xr-x\s+12\s+2026-01-01 00:00\s+run\.sh$/m);
    expect(text).toMatch(/^-\s+1\s+2026-01-01 00:00\s+noperm$/m);
  });
});

describe('Ctrl-C during ls -l', () => {
  it('stops a stalled listing at once: exit 130', async () => {
    server = await startFakeServer({ dataFaults: { LIST: { type: 'stall', bytes: 10 } } });
    server.listings.set('pub', LIST + '\r\n');
    const controller = new AbortController();
    const run = tftp(['ls', '-l', '--timeout', '15', ...at(server), 'pub'], { signal: controller.signal });
    await waitUntil(() => server!.verbs().includes('LIST'), 5_000, 'the LIST');
    await new Promise((r) => setTimeout(r, 200));
    const t = performance.now();
    controller.abort();
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    expect(performance.now() - t).toBeLessThan(5_000);
  });
});
