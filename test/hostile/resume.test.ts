import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp, type CliResult } from '../support/cli.js';

// Resuming onto a server that refuses REST must fail clearly without touching
// what is on disk; resuming a file that is already complete is success.

let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-resume-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const data = randomBytes(200_000);
const args = (s: FakeServer) => ['127.0.0.1', '-P', String(s.port), '--timeout', '1'];

function expectRestRefused(r: CliResult, s: FakeServer, offset: number, reply: string) {
  expect(r.stderr).toBe(`tftp: server cannot resume at byte ${offset} (REST refused: ${reply})\n`);
  expect(r.code).toBe(6);
  expect(s.commands).toContain(`REST ${offset}`);
  expect(s.verbs()).not.toContain('RETR');
  expect(s.verbs()).not.toContain('STOR');
}

const refusals = ['500 REST not understood', '502 Command not implemented', '504 REST not implemented for this type'];

describe.each(refusals)('the server answers REST with "%s"', (reply) => {
  beforeEach(async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, handlers: { REST: reply } });
  });

  it('get -c: exit 6, the .part keeps its bytes, no final file', async () => {
    const dest = join(local, 'f.bin');
    const part = data.subarray(0, 70_000);
    await writeFile(dest + '.part', part);
    const r = await tftp(['get', '-c', ...args(server!), 'f.bin', dest]);
    expectRestRefused(r, server!, 70_000, reply);
    expect((await readFile(dest + '.part')).equals(part)).toBe(true);
    expect(existsSync(dest)).toBe(false);
  });

  it('get -c from a shorter local file (no .part): exit 6, the file untouched, no .part left', async () => {
    const dest = join(local, 'f.bin');
    const mine = data.subarray(0, 50_000);
    await writeFile(dest, mine);
    const r = await tftp(['get', '-c', ...args(server!), 'f.bin', dest]);
    expectRestRefused(r, server!, 50_000, reply);
    expect((await readFile(dest)).equals(mine)).toBe(true);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('get --rest onto an existing file: exit 6, the file untouched, no .part left', async () => {
    const dest = join(local, 'f.bin');
    const mine = Buffer.alloc(120_000, 0x41);
    await writeFile(dest, mine);
    const r = await tftp(['get', '--rest', '100000', ...args(server!), 'f.bin', dest]);
    expectRestRefused(r, server!, 100_000, reply);
    expect((await readFile(dest)).equals(mine)).toBe(true);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('--retries does not retry a refused REST', async () => {
    const dest = join(local, 'f.bin');
    await writeFile(dest + '.part', data.subarray(0, 1000));
    const r = await tftp(['get', '-c', '--retries', '3', '--retry-delay', '0.05', ...args(server!), 'f.bin', dest]);
    expectRestRefused(r, server!, 1000, reply);
    expect(server!.commands.filter((c) => c.startsWith('REST'))).toHaveLength(1);
  });

  it('put -c: exit 6, nothing stored', async () => {
    server!.files.set('up.bin', data.subarray(0, 30_000));
    const src = join(local, 'up.bin');
    await writeFile(src, data);
    const r = await tftp(['put', '-c', ...args(server!), src, 'up.bin']);
    expectRestRefused(r, server!, 30_000, reply);
    expect(server!.uploads).toEqual([]);
    expect((await readFile(src)).equals(data)).toBe(true);
  });
});

describe('--rest with a longer .part than the offset, REST refused', () => {
  // A regression test: this once failed.
  it('keeps the .part whole', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, handlers: { REST: '502 Command not implemented' } });
    const dest = join(local, 'f.bin');
    const part = data.subarray(0, 120_000);
    await writeFile(dest + '.part', part);
    const r = await tftp(['get', '--rest', '40000', ...args(server), 'f.bin', dest]);
    expectRestRefused(r, server, 40_000, '502 Command not implemented');
    expect((await readFile(dest + '.part')).length).toBe(120_000);
  });
});

describe('resuming a file that is already complete', () => {
  it('-c with a .part as long as the remote file: exit 0, renamed, no transfer', async () => {
    server = await startFakeServer({ files: { 'f.bin': data } });
    const dest = join(local, 'f.bin');
    await writeFile(dest + '.part', data);
    const r = await tftp(['get', '-c', ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(existsSync(dest + '.part')).toBe(false);
    expect(server.verbs()).not.toContain('RETR');
  });

  it('-c with a complete local file: exit 0, untouched, no transfer', async () => {
    server = await startFakeServer({ files: { 'f.bin': data } });
    const dest = join(local, 'f.bin');
    await writeFile(dest, data);
    const r = await tftp(['get', '-c', ...args(server), 'f.bin', dest]);
    expect(r.stderr).toMatch(/already complete/);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(server.verbs()).not.toContain('RETR');
  });

  it('--rest at the very end of an existing file: exit 0, the file correct', async () => {
    server = await startFakeServer({ files: { 'f.bin': data } });
    const dest = join(local, 'f.bin');
    await writeFile(dest, data);
    const r = await tftp(['get', '--rest', String(data.length), ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('-c with a complete .part on a server without SIZE: REST at the end, an empty transfer, exit 0', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, handlers: { SIZE: '502 SIZE not implemented' } });
    const dest = join(local, 'f.bin');
    await writeFile(dest + '.part', data);
    const r = await tftp(['get', '-c', ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(0);
    expect(server.commands).toContain(`REST ${data.length}`);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('-c with a .part longer than the remote file: exit 7, nothing changed', async () => {
    server = await startFakeServer({ files: { 'f.bin': data } });
    const dest = join(local, 'f.bin');
    const longer = Buffer.concat([data, Buffer.from('extra')]);
    await writeFile(dest + '.part', longer);
    const r = await tftp(['get', '-c', ...args(server), 'f.bin', dest]);
    expect(r.stderr).toMatch(/^tftp: .*f\.bin\.part has 200005 bytes, more than the remote file's 200000: not resuming\n$/);
    expect(r.code).toBe(7);
    expect((await readFile(dest + '.part')).equals(longer)).toBe(true);
    expect(existsSync(dest)).toBe(false);
  });
});
