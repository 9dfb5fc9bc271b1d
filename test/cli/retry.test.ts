import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type DataFault, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-retry-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const data = randomBytes(200_000);
const args = (s: FakeServer) => ['127.0.0.1', '-P', String(s.port), '--timeout', '1', '--retry-delay', '0.05'];

/** Faults for the first RETRs in turn; later ones are served whole. */
function faultSequence(server: FakeServer, verb: string, faults: DataFault[]) {
  let n = 0;
  server.handlers[verb] = (ctx) => {
    const fault = faults[n++];
    if (fault) ctx.server.dataFaults[verb] = fault;
    else delete ctx.server.dataFaults[verb];
    return ctx.fallback();
  };
}

describe('--retries', () => {
  it('resumes a download dropped three times at different offsets', async () => {
    server = await startFakeServer({ files: { 'f.bin': data } });
    faultSequence(server, 'RETR', [
      { type: 'truncate', bytes: 10_000, reply: '426 Connection lost' },
      { type: 'truncate', bytes: 30_000 }, // a 226 with too few bytes
      { type: 'truncate', bytes: 5_000, reply: null }, // no final reply at all
    ]);
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', '--retries', '5', ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(existsSync(dest + '.part')).toBe(false);
    expect(server.commands.filter((c) => c.startsWith('REST '))).toEqual(['REST 10000', 'REST 40000', 'REST 45000']);
    expect(r.stderr.match(/retrying in/g)).toHaveLength(3);
  });

  it('gives up after the last retry with the last error, keeping the .part', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, dataFaults: { RETR: { type: 'truncate', bytes: 1000, reply: '426 Nope' } } });
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', '--retries', '2', ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/retrying in 0\.05 s \(1\/2\)/);
    expect(r.stderr).toMatch(/retrying in 0\.1 s \(2\/2\)/);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^tftp: 426 Nope$/);
    expect((await readFile(dest + '.part')).equals(data.subarray(0, 3000))).toBe(true);
    expect(existsSync(dest)).toBe(false);
  });

  it('starts over when the remote file changed between attempts', async () => {
    server = await startFakeServer({ files: { 'f.bin': data } });
    const changed = randomBytes(150_000);
    let n = 0;
    server.handlers.RETR = (ctx) => {
      if (n++ === 0) {
        ctx.server.dataFaults.RETR = { type: 'truncate', bytes: 20_000, reply: '426 Lost' };
        setTimeout(() => ctx.server.files.set('f.bin', changed), 10); // replaced while we wait
      } else {
        delete ctx.server.dataFaults.RETR;
      }
      return ctx.fallback();
    };
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', '--retries', '1', ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(0);
    expect(server.commands.filter((c) => c.startsWith('REST '))).toEqual([]);
    expect((await readFile(dest)).equals(changed)).toBe(true);
  });

  it('never retries a permanent error', async () => {
    server = await startFakeServer();
    const r = await tftp(['get', '--retries', '3', ...args(server), 'missing.bin', join(local, 'm')]);
    expect(r.code).toBe(5);
    expect(r.stderr).not.toMatch(/retrying/);
    expect(server.commands.filter((c) => c.startsWith('RETR'))).toHaveLength(1);
  });

  it('resumes an upload from the size the server already has', async () => {
    server = await startFakeServer();
    faultSequence(server, 'STOR', [{ type: 'truncate', bytes: 50_000, reply: '426 Dropped' }]);
    // The fake records uploads but does not keep partial ones: report what it got as the file's size.
    server.handlers.SIZE = (ctx) => {
      const got = ctx.server.uploads.reduce((sum, u) => sum + u.data.length, 0);
      return got ? `213 ${got}` : '550 No such file';
    };
    const src = join(local, 'up.bin');
    await writeFile(src, data);
    const r = await tftp(['put', '--retries', '2', ...args(server), src, 'up.bin']);
    expect(r.code).toBe(0);
    const [first, second] = server.uploads;
    expect(second!.offset).toBe(first!.data.length);
    expect(Buffer.concat([first!.data, second!.data]).equals(data)).toBe(true);
  });
});
