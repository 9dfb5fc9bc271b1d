import { beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

let local: string;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-lost-'));
  return () => rm(local, { recursive: true, force: true });
});

const body = randomBytes(200_000);

describe('the control connection lost after the data arrived whole', () => {
  it('is not a success: exit 6, one line that says the data is all there, the .part kept for -c', async () => {
    const server = await startFakeServer({
      files: { 'f.bin': body },
      dataFaults: { RETR: { type: 'truncate', bytes: body.length, reply: null } },
      handlers: {
        RETR: async (ctx) => {
          await ctx.fallback();
          ctx.session.destroy(); // the final reply never comes
        },
      },
    });
    try {
      const dest = join(local, 'f.bin');
      const r = await tftp(['get', '-P', String(server.port), '127.0.0.1', 'f.bin', dest]);
      expect(r.code).toBe(6);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/all 200000 bytes arrived, but no final reply came from the server \(connection closed by server\).*f\.bin\.part is kept for -c/);
      expect(existsSync(dest)).toBe(false);
      expect((await readFile(dest + '.part')).equals(body)).toBe(true);
      // The server well again: -c finds the .part whole and finishes it.
      server.dataFaults = {};
      server.handlers = {};
      const again = await tftp(['get', '-c', '-P', String(server.port), '127.0.0.1', 'f.bin', dest]);
      expect(again.code).toBe(0);
      expect((await readFile(dest)).equals(body)).toBe(true);
      expect(existsSync(dest + '.part')).toBe(false);
    } finally {
      await server.close();
    }
  });
});
