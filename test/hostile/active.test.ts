import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type CommandContext, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// Active mode: we announce only the control connection's local address, and
// a data connection from any other address is refused while we keep waiting
// for the server's own.

let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-active-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const data = randomBytes(300_000);
const args = (s: FakeServer) => ['--active', '127.0.0.1', '-P', String(s.port), '--timeout', '2'];

interface Intrusion {
  /** Bytes the intruder received from us (an upload must never reach it). */
  received: number;
  /** How the intruder's connection ended. */
  outcome: 'closed by the client' | 'still open' | 'refused';
}

/**
 * Connects from 127.0.0.2 to the port we announced, writes some bytes, and
 * reports whether the client hung up on it within `ms`.
 */
function intrude(port: number, ms = 1_000): Promise<Intrusion> {
  return new Promise((resolve) => {
    let received = 0;
    const sock = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ received, outcome: 'still open' });
    }, ms);
    sock.on('connect', () => sock.write('EVIL DATA FROM ANOTHER HOST\n'));
    sock.on('data', (c: Buffer) => (received += c.length));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ received, outcome: sock.bytesWritten > 0 || received > 0 ? 'closed by the client' : 'refused' });
    });
  });
}

function announcedPort(line: string): number {
  const eprt = /^EPRT \|1\|127\.0\.0\.1\|(\d+)\|$/.exec(line);
  if (eprt) return Number(eprt[1]);
  const port = /^PORT 127,0,0,1,(\d+),(\d+)$/.exec(line);
  if (port) return Number(port[1]) * 256 + Number(port[2]);
  throw new Error(`not an announcement of 127.0.0.1: ${line}`);
}

describe('what we announce', () => {
  it('EPRT carries the control connection\'s local address and the port we listen on', async () => {
    server = await startFakeServer({ files: { 'f.bin': data } });
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
    const eprt = server.commands.filter((c) => c.startsWith('EPRT'));
    expect(eprt).toHaveLength(1);
    expect(eprt[0]).toMatch(/^EPRT \|1\|127\.0\.0\.1\|\d+\|$/);
    const control = server.connections.find((c) => c.kind === 'control')!;
    const dataConn = server.connections.find((c) => c.kind === 'data')!;
    expect(control.remoteAddress).toBe('127.0.0.1');
    expect(dataConn).toMatchObject({ remoteAddress: '127.0.0.1', remotePort: announcedPort(eprt[0]!) });
    expect(server.verbs()).not.toContain('PORT');
  });

  it('PORT (when EPRT is refused) carries the same address', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, handlers: { EPRT: '500 EPRT not understood' } });
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
    const port = server.commands.filter((c) => c.startsWith('PORT'));
    expect(port).toHaveLength(1);
    expect(port[0]).toMatch(/^PORT 127,0,0,1,\d+,\d+$/);
    expect(server.connections.find((c) => c.kind === 'data')).toMatchObject({ remotePort: announcedPort(port[0]!) });
  });

  it('an EPRT refused with 4xx is not retried as PORT: exit 6', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, handlers: { EPRT: '421 Not now' } });
    const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(6);
    expect(r.stderr).toBe('tftp: 421 Not now\n');
    expect(server.verbs()).not.toContain('PORT');
  });
});

describe('a data connection from another address', () => {
  /** Lets an intruder connect first, once the announcement was accepted, then lets the server connect. */
  function intruderFirst(s: FakeServer): Promise<Intrusion> {
    return new Promise((resolve) => {
      s.beforeActiveConnect = async ({ port }) => resolve(await intrude(port));
    });
  }

  it('get: the intruder is hung up on, its bytes are not in the file, the server\'s are', async () => {
    server = await startFakeServer({ files: { 'f.bin': data } });
    const intrusion = intruderFirst(server);
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', ...args(server), 'f.bin', dest]);
    expect(r.code).toBe(0);
    expect(await intrusion).toEqual({ received: 0, outcome: 'closed by the client' });
    expect((await readFile(dest)).equals(data)).toBe(true);
  });

  it('put: the intruder receives nothing, the server receives the whole file', async () => {
    server = await startFakeServer();
    const intrusion = intruderFirst(server);
    const src = join(local, 'up.bin');
    await writeFile(src, data);
    const r = await tftp(['put', ...args(server), src, 'up.bin']);
    expect(r.code).toBe(0);
    expect(await intrusion).toEqual({ received: 0, outcome: 'closed by the client' });
    expect(server.uploads).toHaveLength(1);
    expect(server.uploads[0]!.data.equals(data)).toBe(true);
  });

  it('put with PORT: the same', async () => {
    server = await startFakeServer({ handlers: { EPRT: '502 No EPRT' } });
    const intrusion = intruderFirst(server);
    const src = join(local, 'up.bin');
    await writeFile(src, data);
    const r = await tftp(['put', ...args(server), src, 'up.bin']);
    expect(r.code).toBe(0);
    expect(server.verbs()).toContain('PORT');
    expect(await intrusion).toEqual({ received: 0, outcome: 'closed by the client' });
    expect(server.uploads[0]!.data.equals(data)).toBe(true);
  });

  // A regression test: this once failed.
  it('put: an intruder racing in before the server even answered EPRT is hung up on too', async () => {
    let intrusion: Promise<Intrusion> | undefined;
    server = await startFakeServer({
      handlers: {
        EPRT: async (ctx: CommandContext) => {
          intrusion = intrude(announcedPort(ctx.line));
          await new Promise((r) => setTimeout(r, 50)); // the intruder is connected before our 200
          return ctx.fallback();
        },
      },
    });
    const src = join(local, 'up.bin');
    await writeFile(src, data);
    const r = await tftp(['put', ...args(server), src, 'up.bin']);
    expect(r.code).toBe(0);
    expect(server.uploads[0]!.data.equals(data)).toBe(true);
    expect(await intrusion).toEqual({ received: 0, outcome: 'closed by the client' });
  });
});
