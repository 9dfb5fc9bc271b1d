import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

const body = randomBytes(300_000);
let v6: FakeServer;
let v4: FakeServer;
let local: string;
beforeAll(async () => {
  v6 = await startFakeServer({ listenOn: '::1', files: { 'f.bin': body } });
  v4 = await startFakeServer({ files: { 'f.bin': body } });
});
afterAll(async () => {
  await v6.close();
  await v4.close();
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-family-'));
  return () => rm(local, { recursive: true, force: true });
});

describe('-6: IPv6 only', () => {
  it.each([['--passive'], ['--active']])('downloads from ::1 in %s mode, every connection over IPv6', async (mode) => {
    const seen = v6.connections.length;
    const commands = v6.commands.length;
    const r = await tftp(['get', '-6', mode, '-P', String(v6.port), '::1', 'f.bin', join(local, 'f.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(local, 'f.bin'))).equals(body)).toBe(true);
    const made = v6.connections.slice(seen);
    expect(made.map((c) => c.kind)).toEqual(['control', 'data']);
    expect(made.every((c) => c.remoteAddress === '::1')).toBe(true);
    const sent = v6.commands.slice(commands).join('\n');
    if (mode === '--active') expect(sent).toMatch(/^EPRT \|2\|::1\|\d+\|$/m);
    else expect(sent).toMatch(/^EPSV$/m);
  });

  it('a host with no IPv6 address: exit 3, said so', async () => {
    const r = await tftp(['ls', '-6', '-P', String(v4.port), 'localhost']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`tftp: cannot connect to localhost:${v4.port}: no IPv6 address for localhost\n`);
  });
});

describe('-4: IPv4 only', () => {
  it('reaches localhost over IPv4, active mode announced with PORT/EPRT for IPv4', async () => {
    const seen = v4.connections.length;
    const commands = v4.commands.length;
    const r = await tftp(['get', '-4', '--active', '-P', String(v4.port), 'localhost', 'f.bin', join(local, 'f.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(local, 'f.bin'))).equals(body)).toBe(true);
    expect(v4.connections.slice(seen).every((c) => c.remoteAddress.endsWith('127.0.0.1'))).toBe(true);
    expect(v4.commands.slice(commands).join('\n')).toMatch(/^EPRT \|1\|127\.0\.0\.1\|\d+\|$/m);
  });

  it('an IPv6 address with -4: exit 3 before any connection', async () => {
    const seen = v6.connections.length;
    const r = await tftp(['ls', '-4', '-P', String(v6.port), '::1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`tftp: cannot connect to [::1]:${v6.port}: an IPv6 address, but only IPv4 was asked for\n`);
    expect(v6.connections.length).toBe(seen);
  });

  it('-4 and -6 together are a usage error', async () => {
    const r = await tftp(['ls', '-4', '-6', '127.0.0.1']);
    expect(r.code).toBe(2);
  });
});
