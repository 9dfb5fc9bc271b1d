import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { startFakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';
import { formatMfmt, parseMdtm } from '../../src/protocol/parse.js';

let server: RunningFtpSrv;
let local: string;
const when = new Date('2024-02-29T12:34:56Z');
beforeAll(async () => {
  server = await startFtpSrv();
  await writeFile(join(server.root, 'old.txt'), 'from the past');
  await utimes(join(server.root, 'old.txt'), when, when);
  local = await mkdtemp(join(tmpdir(), 'tftp-preserve-'));
});
afterAll(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

describe('-p, --preserve', () => {
  it('gives the download the remote modification time (MDTM)', async () => {
    const dest = join(local, 'old.txt');
    const r = await tftp(['get', '-p', '-P', String(server.port), '127.0.0.1', 'old.txt', dest]);
    expect(r.code).toBe(0);
    expect((await stat(dest)).mtime.toISOString()).toBe(when.toISOString());
  });

  it('sets the remote time with MFMT when FEAT offers it', async () => {
    const fake = await startFakeServer({ handlers: { FEAT: '211-Features:\r\n MFMT\r\n SIZE\r\n211 End', MFMT: '213 Modify=20240229123456; up.txt' } });
    try {
      const src = join(local, 'up.txt');
      await writeFile(src, 'x');
      await utimes(src, when, when);
      const r = await tftp(['put', '-p', '-P', String(fake.port), '127.0.0.1', src]);
      expect(r.code).toBe(0);
      expect(fake.commands).toContain('MFMT 20240229123456 up.txt');
    } finally {
      await fake.close();
    }
  });
});

describe('MDTM and MFMT formats', () => {
  it.each([
    ['20240229123456', '2024-02-29T12:34:56.000Z'],
    ['20240229123456.5', '2024-02-29T12:34:56.500Z'],
    ['19700101000000.123', '1970-01-01T00:00:00.123Z'],
  ])('%s', (text, iso) => {
    expect(parseMdtm(text).toISOString()).toBe(iso);
  });
  it.each([['20241301000000'], ['20240230000000'], ['2024'], ['x20240101000000'], ['20240101250000']])('rejects %s', (text) => {
    expect(() => parseMdtm(text)).toThrow(/malformed MDTM/);
  });
  it('formats MFMT', () => expect(formatMfmt(when)).toBe('20240229123456'));
});

describe('CI progress lines', () => {
  it('prints a line every few seconds when CI is set and stderr is not a terminal', async () => {
    const fake = await startFakeServer({ files: { 'slow.bin': Buffer.alloc(10_000) }, dataFaults: { RETR: { type: 'stall', bytes: 4000 } } });
    try {
      const r = await tftp(['get', '--timeout', '6', '-P', String(fake.port), '127.0.0.1', 'slow.bin', join(local, 'slow.bin')], { env: { CI: 'true' } });
      expect(r.code).toBe(6);
      expect(r.stderr).toMatch(/^slow\.bin: 3\.91 KiB of 9\.77 KiB \(40%\) at /m);
      expect(r.stderr).not.toMatch(/\r/);
    } finally {
      await fake.close();
    }
  }, 20_000);
});
