import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePath, startFakeServer, type Handler, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// put -c asks the server how much it has: SIZE, else MLST, else the folder's
// listing. A file the server has whole is not sent again.

let local: string;
let server: FakeServer;
const data = randomBytes(300_000);
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-putc-'));
  await writeFile(join(local, 'up.bin'), data);
});
afterEach(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

const put = (...flags: string[]) => tftp(['put', '-c', ...flags, '-P', String(server.port), '127.0.0.1', join(local, 'up.bin'), 'in/up.bin']);
const stored = () => server.commands.filter((c) => /^(STOR|APPE)/.test(c));

/** As real servers do: CWD into a file is refused. */
const CWD: Handler = ({ session, server, arg }) => {
  const to = resolvePath(session.cwd, arg);
  if (server.files.has(to)) return session.reply(550, 'Not a directory');
  session.cwd = to;
  return session.reply(250, 'Directory changed');
};
const NO_SIZE = { SIZE: '502 SIZE not implemented', CWD };
const MLST_FEAT = '211-Features:\r\n MLST type*;size*;modify*;\r\n EPSV\r\n REST STREAM\r\n211 End';

describe('put -c of a file the server has whole', () => {
  it.each([
    ['SIZE', {}],
    ['MLST (SIZE refused)', { ...NO_SIZE, FEAT: MLST_FEAT, MLST: `250-Listing in/up.bin\r\n type=file;size=${data.length};modify=20260101000000; in/up.bin\r\n250 End` }],
    ['the listing (SIZE refused, no MLST)', { ...NO_SIZE }],
  ])('learns its size from %s: "already complete", no STOR, exit 0', async (_how, handlers) => {
    server = await startFakeServer({ files: { 'in/up.bin': data }, handlers });
    server.listings.set('in', `-rw-r--r-- 1 ftp ftp ${data.length} Jan 01  2026 up.bin\r\n`);
    const r = await put();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/already complete/);
    expect(stored()).toEqual([]);
  });
});

describe('put -c of a file the server has part of, SIZE refused', () => {
  it('resumes from the size in the listing: REST + STOR of the rest only', async () => {
    server = await startFakeServer({ files: { 'in/up.bin': data.subarray(0, 100_000) }, handlers: NO_SIZE });
    server.listings.set('in', `-rw-r--r-- 1 ftp ftp 100000 Jan 01  2026 up.bin\r\n`);
    const r = await put();
    expect(r.code, r.stderr).toBe(0);
    expect(server.commands).toContain('REST 100000');
    const upload = server.uploads.at(-1)!;
    expect(upload.offset).toBe(100_000);
    expect(upload.data.equals(data.subarray(100_000))).toBe(true);
  });

  it('a file the listing does not show is sent whole', async () => {
    server = await startFakeServer({ handlers: NO_SIZE });
    server.listings.set('in', '');
    const r = await put();
    expect(r.code, r.stderr).toBe(0);
    expect(server.commands).not.toContain('REST 0');
    expect(server.uploads.at(-1)!.data.equals(data)).toBe(true);
  });
});
