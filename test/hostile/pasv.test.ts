import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenTrap, startFakeServer, type FakeServer, type FakeServerOptions, type Trap } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// A hostile 227/229 reply must not steer the data connection: it always goes
// to the control connection's peer (127.0.0.1), never to the address in a reply.
// A trap listens on 127.0.0.2 at the very port the fake server offers, so
// following the reply's address would be seen there. Replies naming hosts
// outside 127/8 are guarded too: any connect() this process makes to such a
// host is redirected to the trap (and recorded), so a regression never sends
// a packet off the machine.

let local: string;
let server: FakeServer | undefined;
let trap: Trap | undefined;
/** Hosts outside 127/8 that something in this process tried to connect to. */
let outside: string[];
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-pasv-'));
  trap = await listenTrap('127.0.0.2');
  outside = [];
  const realConnect = net.Socket.prototype.connect;
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...a: unknown[]) {
    const first = a[0] as { host?: unknown; port?: unknown } | unknown[];
    const opts = (Array.isArray(first) ? first[0] : first) as { host?: unknown; port?: unknown } | undefined;
    if (opts && typeof opts === 'object' && typeof opts.host === 'string' && !/^127\./.test(opts.host) && opts.host !== 'localhost') {
      outside.push(opts.host);
      opts.host = '127.0.0.2';
      opts.port = trap!.port;
    }
    return (realConnect as (...x: unknown[]) => net.Socket).apply(this, a);
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  await trap?.close();
  server = trap = undefined;
  await rm(local, { recursive: true, force: true });
});

const data = randomBytes(64 * 1024 + 3);
const args = (s: FakeServer) => ['127.0.0.1', '-P', String(s.port), '--timeout', '1'];
const pasv = (h: string, port: number) => `227 Entering Passive Mode (${h},${port >> 8},${port & 255})`;

async function serve(opts: FakeServerOptions): Promise<FakeServer> {
  server = await startFakeServer({ pasvPort: trap!.port, files: { 'f.bin': data }, ...opts });
  return server;
}

function dataConnections(s: FakeServer) {
  return s.connections.filter((c) => c.kind === 'data');
}

describe('passive replies that name another host', () => {
  it('(the guard: a connect outside 127/8 lands in the trap instead)', async () => {
    const sock = net.connect({ host: '10.9.8.7', port: 21 });
    sock.on('error', () => {});
    await new Promise((resolve) => sock.once('close', resolve));
    expect(outside).toEqual(['10.9.8.7']);
    expect(trap!.connected).toBe(true);
  });

  it.each([
    ['a private address', '10,9,8,7'],
    ['another loopback address (the trap)', '127,0,0,2'],
    ['0.0.0.0', '0,0,0,0'],
    ['a broadcast address', '255,255,255,255'],
  ])('PASV naming %s: the data goes to the control peer only', async (_name, h) => {
    const s = await serve({ epsv: false, pasvReply: (port) => pasv(h, port) });
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', ...args(s), 'f.bin', dest]);
    expect(r.stderr).toMatch(/^downloaded f\.bin/);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(trap!.connections).toEqual([]);
    expect(outside).toEqual([]);
    expect(dataConnections(s)).toHaveLength(1);
    expect(dataConnections(s)[0]).toMatchObject({ localAddress: '127.0.0.1', remoteAddress: '127.0.0.1' });
  });

  it('a 227 that puts the numbers in unusual text is still read for its port only', async () => {
    const s = await serve({ epsv: false, pasvReply: (port) => `227 =127,0,0,2,${port >> 8},${port & 255}` });
    const r = await tftp(['get', ...args(s), 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(0);
    expect(trap!.connected).toBe(false);
  });

  it.each([
    ['|||port|', (p: number) => `229 Entering Extended Passive Mode (|||${p}|)`],
    ['!!!port!', (p: number) => `229 Entering Extended Passive Mode (!!!${p}!)`],
    ['###port#', (p: number) => `229 Extended Passive (###${p}#)`],
    ['multi-line 229', (p: number) => `229-Here it comes\r\n229 Entering Extended Passive Mode (|||${p}|)`],
  ])('EPSV %s: accepted, and the data goes to the control peer', async (_name, reply) => {
    const s = await serve({ epsvReply: reply });
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', ...args(s), 'f.bin', dest]);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(s.verbs()).not.toContain('PASV');
    expect(trap!.connected).toBe(false);
    expect(dataConnections(s)).toHaveLength(1);
  });
});

describe('malformed passive replies are protocol errors (exit 8)', () => {
  it.each([
    ['octets over 255', '227 Entering Passive Mode (1216,256,0,1,4,1)'],
    ['a port byte over 255', '227 Entering Passive Mode (127,0,0,1,4,300)'],
    ['port 0', '227 Entering Passive Mode (127,0,0,1,0,0)'],
    ['too few numbers', '227 Entering Passive Mode (127,0,0,1,4)'],
    ['no numbers', '227 Entering Passive Mode'],
    ['negative numbers', '227 Entering Passive Mode (127,0,0,1,-4,1)'],
  ])('PASV with %s', async (_name, reply) => {
    const s = await serve({ epsv: false, pasvReply: reply });
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', ...args(s), 'f.bin', dest]);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^tftp: malformed PASV reply[^\n]*\n$/);
    expect(s.verbs()).not.toContain('RETR');
    expect(trap!.connected).toBe(false);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it.each([
    ['a port over 65535', '229 Entering Extended Passive Mode (|||1000000|)'],
    ['port 0', '229 Entering Extended Passive Mode (|||0|)'],
    ['an eleven-digit port', '229 Entering Extended Passive Mode (|||12345678901|)'],
    ['mixed delimiters', '229 Entering Extended Passive Mode (|||2121!)'],
    ['a network address filled in', '229 Entering Extended Passive Mode (|1|127.0.0.2|2121|)'],
    ['no parentheses', '229 Entering Extended Passive Mode |||2121|'],
    ['a space as delimiter', '229 Entering Extended Passive Mode (   2121 )'],
  ])('EPSV with %s', async (_name, reply) => {
    const s = await serve({ epsvReply: reply });
    const dest = join(local, 'f.bin');
    const r = await tftp(['get', ...args(s), 'f.bin', dest]);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^tftp: malformed EPSV reply[^\n]*\n$/);
    // A broken 229 is not a refusal: no silent fall-back to PASV.
    expect(s.verbs()).not.toContain('PASV');
    expect(s.verbs()).not.toContain('RETR');
    expect(dataConnections(s)).toEqual([]);
    expect(trap!.connected).toBe(false);
    expect(existsSync(dest + '.part')).toBe(false);
  });
});
