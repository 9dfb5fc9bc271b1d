import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenTrap, startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-fake-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const data = randomBytes(256 * 1024 + 17);
const args = (s: FakeServer) => ['127.0.0.1', '-P', String(s.port)];

describe('replies in awkward shapes', () => {
  it('reads every reply written one byte at a time', async () => {
    server = await startFakeServer({ byteByByte: true, files: { 'f.bin': data } });
    const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'f.bin'))).equals(data)).toBe(true);
  });

  it('accepts a multi-line greeting and LF-only line endings', async () => {
    server = await startFakeServer({
      lineEnding: '\n',
      greeting: '220-Welcome\n220-to a\nserver with a long banner\n220 ready\n',
      files: { 'f.bin': data },
    });
    const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'f.bin'))).equals(data)).toBe(true);
  });
});

describe('passive mode never follows the address in a 227 reply', () => {
  it('connects to the control host when PASV names another address', async () => {
    const trap = await listenTrap('127.0.0.2');
    try {
      server = await startFakeServer({ epsv: false, pasvAddress: '127.0.0.2', pasvPort: trap.port, files: { 'f.bin': data } });
      const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
      expect(r.code).toBe(0);
      expect((await readFile(join(local, 'f.bin'))).equals(data)).toBe(true);
      expect(trap.connected).toBe(false);
      expect(server.verbs()).toContain('PASV');
      const dataConns = server.connections.filter((c) => c.kind === 'data');
      expect(dataConns).toHaveLength(1);
      expect(dataConns[0]!.localAddress).toBe('127.0.0.1');
    } finally {
      await trap.close();
    }
  });
});

describe('put --rest', () => {
  it('sends REST N then STOR with the local bytes from N', async () => {
    server = await startFakeServer();
    const src = join(local, 'up.bin');
    await writeFile(src, data);
    const r = await tftp(['put', '--rest', '1000', ...args(server), src, 'up.bin']);
    expect(r.code).toBe(0);
    expect(server.verbs()).toEqual(expect.arrayContaining(['REST', 'STOR']));
    expect(server.commands).toContain('REST 1000');
    expect(server.uploads).toHaveLength(1);
    expect(server.uploads[0]!.offset).toBe(1000);
    expect(server.uploads[0]!.data.equals(data.subarray(1000))).toBe(true);
  });

  it('-c asks the server for SIZE and resumes from there', async () => {
    server = await startFakeServer({ files: { 'up.bin': data.subarray(0, 5000) } });
    const src = join(local, 'up.bin');
    await writeFile(src, data);
    const r = await tftp(['put', '-c', ...args(server), src]);
    expect(r.code).toBe(0);
    expect(server.commands).toContain('REST 5000');
    expect(server.uploads[0]!.data.equals(data.subarray(5000))).toBe(true);
  });
});

describe('a download that fails midway', () => {
  it('keeps the .part, creates no final file, exits 6, and -c completes it', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, dataFaults: { RETR: { type: 'truncate', bytes: 100_000, reply: '426 Connection closed; transfer aborted.' } } });
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', ...args(server), 'f.bin', dest]);
    expect(r.stderr).toMatch(/^tftp: 426 Connection closed/);
    expect(existsSync(dest)).toBe(false);
    const part = await readFile(dest + '.part');
    expect(part.length).toBeGreaterThan(0);
    expect(part.equals(data.subarray(0, part.length))).toBe(true);

    delete server.dataFaults.RETR;
    const again = await tftp(['get', '-c', ...args(server), 'f.bin', dest]);
    expect(again.code).toBe(0);
    expect(server.commands).toContain(`REST ${part.length}`);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('fewer bytes than SIZE announced with a 226 is still a failure', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, dataFaults: { RETR: { type: 'truncate', bytes: 1000 } } });
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/incomplete: received 1000 of 262161 bytes/);
    expect(existsSync(dest)).toBe(false);
    expect((await readFile(dest + '.part')).length).toBe(1000);
  });

  it('a malformed PASV reply is a protocol error (exit 8)', async () => {
    server = await startFakeServer({ epsv: false, pasvReply: '227 Entering Passive Mode (1216,256,0,1,4,1)', files: { 'f.bin': data } });
    const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/malformed PASV reply/);
  });
});
