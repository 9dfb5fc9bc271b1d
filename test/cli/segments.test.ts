import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// The fake server's FEAT offers REST STREAM and honours REST on RETR (ftp-srv's FEAT does not).
const data = randomBytes(64 * 1024 * 1024);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-seg-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

describe('--segments', () => {
  it('fetches a 64 MiB file over 4 connections, byte-identical', async () => {
    server = await startFakeServer({ files: { 'big.bin': data } });
    const dest = join(local, 'big.bin');
    const r = await tftp(['get', '--segments', '4', '--sha256', sha(data), '-P', String(server.port), '127.0.0.1', 'big.bin', dest]);
    expect(r.stderr).toMatch(/^downloaded big\.bin/);
    expect(r.code).toBe(0);
    expect(sha(await readFile(dest))).toBe(sha(data));
    const step = data.length / 4;
    expect(server.commands.filter((c) => c.startsWith('REST ')).sort()).toEqual([0, step, 2 * step, 3 * step].map((n) => `REST ${n}`).sort());
    expect(existsSync(dest + '.part.segments')).toBe(false);
  }, 60_000);

  it('resumes only the unfinished ranges after a killed connection', async () => {
    server = await startFakeServer({ files: { 'big.bin': data } });
    const step = data.length / 4;
    let first = true;
    server.handlers.RETR = (ctx) => {
      // The third range's connection dies 1 MiB in; every other range is served.
      if (first && ctx.session.rest === 2 * step) {
        first = false;
        ctx.server.dataFaults.RETR = { type: 'truncate', bytes: 1024 * 1024, reply: '426 Killed' };
      } else delete ctx.server.dataFaults.RETR;
      return ctx.fallback();
    };
    const dest = join(local, 'big.bin');
    const failed = await tftp(['get', '--segments', '4', '-P', String(server.port), '127.0.0.1', 'big.bin', dest]);
    expect(failed.code).toBe(6);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(dest + '.part.segments')).toBe(true);

    server.commands.length = 0;
    const resumed = await tftp(['get', '--segments', '4', '-c', '-P', String(server.port), '127.0.0.1', 'big.bin', dest]);
    expect(resumed.code).toBe(0);
    expect(server.commands.filter((c) => c.startsWith('REST '))).toEqual([`REST ${2 * step + 1024 * 1024}`]);
    expect(sha(await readFile(dest))).toBe(sha(data));
    expect(existsSync(dest + '.part.segments')).toBe(false);
  }, 60_000);

  it('reports NDJSON events and continues a plain .part with -c', async () => {
    server = await startFakeServer({ files: { 'big.bin': data } });
    const dest = join(local, 'big.bin');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(dest + '.part', data.subarray(0, 20 * 1024 * 1024)); // left by a one-connection run
    const r = await tftp(['get', '--segments', '4', '-c', '--json', '-P', String(server.port), '127.0.0.1', 'big.bin', dest]);
    expect(r.code).toBe(0);
    const events = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'start', file: 'big.bin', size: data.length });
    expect(events.find((e) => e.event === 'done')).toMatchObject({ bytes: data.length - 20 * 1024 * 1024, sha256: sha(data) });
    expect(events.at(-1)).toMatchObject({ event: 'summary', ok: 1, failed: 0 });
    // The first range was whole, the second began at the end of the .part.
    const step = data.length / 4;
    expect(server.commands.filter((c) => c.startsWith('REST ')).sort()).toEqual([`REST ${20 * 1024 * 1024}`, `REST ${2 * step}`, `REST ${3 * step}`].sort());
    expect(sha(await readFile(dest))).toBe(sha(data));
  }, 60_000);

  it('falls back to one connection when the server lacks REST STREAM', async () => {
    server = await startFakeServer({ files: { 'f.bin': data.subarray(0, 100_000) }, handlers: { FEAT: '211-Features:\r\n SIZE\r\n211 End' } });
    const r = await tftp(['get', '--segments', '4', '-P', String(server.port), '127.0.0.1', 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/needs REST STREAM and SIZE/);
    expect((await readFile(join(local, 'f.bin'))).equals(data.subarray(0, 100_000))).toBe(true);
  });
});
