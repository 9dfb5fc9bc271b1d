import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

const data = randomBytes(300_000);
const digest = (alg: string, b: Buffer) => createHash(alg).update(b).digest('hex');
let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-verify-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const get = (s: FakeServer, dest: string) => tftp(['get', '--verify', '-P', String(s.port), '127.0.0.1', 'f.bin', dest]);

describe('--verify', () => {
  it('checks against HASH (SHA-256) when FEAT lists it', async () => {
    server = await startFakeServer({
      files: { 'f.bin': data },
      handlers: {
        FEAT: '211-Features:\r\n SIZE\r\n HASH SHA-256*;SHA-1;MD5\r\n211 End',
        OPTS: '200 SHA-256',
        HASH: (ctx) => `213 SHA-256 0-${data.length} ${digest('sha256', ctx.server.files.get('f.bin')!)} f.bin`,
      },
    });
    const dest = join(local, 'f.bin');
    const r = await get(server, dest);
    expect(r.code).toBe(0);
    expect(server.commands).toContain('HASH f.bin');
    expect((await readFile(dest)).equals(data)).toBe(true);
  });

  it('refuses a file whose XMD5 differs (exit 11, no final file)', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, handlers: { FEAT: '211-Features:\r\n SIZE\r\n XMD5\r\n211 End', XMD5: `250 ${digest('md5', Buffer.from('other'))}` } });
    const dest = join(local, 'f.bin');
    const r = await get(server, dest);
    expect(r.code).toBe(11);
    expect(r.stderr).toMatch(/md5 [0-9a-f]{32} differs from the server's/);
    expect(existsSync(dest)).toBe(false);
  });

  it('warns when the server offers no digest, and keeps the file', async () => {
    server = await startFakeServer({ files: { 'f.bin': data } });
    const dest = join(local, 'f.bin');
    const r = await get(server, dest);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/offers no HASH/);
    expect((await readFile(dest)).equals(data)).toBe(true);
  });

  describe('with --segments', () => {
    const segmented = (s: FakeServer, dest: string) => tftp(['get', '--segments', '3', '--verify', '-P', String(s.port), '127.0.0.1', 'f.bin', dest]);
    const feat = '211-Features:\r\n SIZE\r\n REST STREAM\r\n XSHA256\r\n211 End';

    it('checks the assembled file against the server digest', async () => {
      server = await startFakeServer({ files: { 'f.bin': data }, handlers: { FEAT: feat, XSHA256: `250 ${digest('sha256', data)}` } });
      const dest = join(local, 'f.bin');
      const r = await segmented(server, dest);
      expect(r.code).toBe(0);
      expect(server.verbs().filter((v) => v === 'RETR')).toHaveLength(3);
      expect(server.commands).toContain('XSHA256 f.bin');
      expect((await readFile(dest)).equals(data)).toBe(true);
    });

    it('refuses it when the digest differs: exit 11, no final file, no .part or sidecar', async () => {
      server = await startFakeServer({ files: { 'f.bin': data }, handlers: { FEAT: feat, XSHA256: `250 ${digest('sha256', Buffer.from('other'))}` } });
      const dest = join(local, 'f.bin');
      const r = await segmented(server, dest);
      expect(r.code).toBe(11);
      expect(r.stderr).toMatch(/sha256 [0-9a-f]{64} differs from the server's/);
      for (const f of [dest, `${dest}.part`, `${dest}.part.segments`]) expect(existsSync(f)).toBe(false);
    });
  });
});
