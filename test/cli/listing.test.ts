import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
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
