import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import net, { type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';
import { FtpClient } from '../../src/core/client.js';
import type { ListEntry, Listing } from '../../src/index.js';

// How data connections fail and fall back: a refusal right after the 150
// ends the transfer at once; an EPSV port nobody listens on falls back to
// PASV for the rest of the session; the library moves bytes unchanged
// even when the caller never chose a type.

let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-modes-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const data = randomBytes(200_000);

/** A port on 127.0.0.1 where nobody listens (bound, then closed). */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('active mode: the server cannot connect back', () => {
  it.each([
    ['425 after the 150', '425 Failed to establish connection.', 6],
    ['421 after the 150', '421 Service not available, closing control connection.', 6],
  ])('%s fails the transfer at once, not after --timeout', async (_name, refusal, code) => {
    server = await startFakeServer({
      files: { 'f.bin': data },
      handlers: {
        RETR: async ({ session }) => {
          await session.send('150 Opening BINARY mode data connection.\r\n');
          await session.send(`${refusal}\r\n`);
        },
      },
    });
    const t = performance.now();
    const r = await tftp(['get', '--active', '--timeout', '10', '-P', String(server.port), '127.0.0.1', 'f.bin', join(local, 'f.bin')]);
    expect(performance.now() - t).toBeLessThan(3000);
    expect(r.code).toBe(code);
    expect(r.stderr).toBe(`tftp: ${refusal}\n`);
  });
});

describe('an EPSV port nobody listens on', () => {
  it('falls back to PASV, and stays with it for the rest of the session', async () => {
    const dead = await deadPort();
    server = await startFakeServer({ files: { 'a.bin': data, 'b.bin': data.subarray(0, 1000) }, epsvReply: `229 Entering Extended Passive Mode (|||${dead}|)` });
    const r = await tftp(['get', '-r', '-j', '1', '--timeout', '5', '-P', String(server.port), '127.0.0.1', '*.bin', join(local, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(local, 'out', 'a.bin'))).equals(data)).toBe(true);
    expect((await readFile(join(local, 'out', 'b.bin'))).equals(data.subarray(0, 1000))).toBe(true);
    expect(server.verbs().filter((v) => v === 'EPSV')).toHaveLength(1);
    // The listing and both files came over PASV; nothing was sent towards the dead port's command.
    expect(server.verbs().filter((v) => v === 'PASV')).toHaveLength(3);
  });

  it('get of one file: the EPSV that went with SIZE names a dead port; PASV takes over before RETR is sent', async () => {
    const dead = await deadPort();
    server = await startFakeServer({ files: { 'a.bin': data }, epsvReply: `229 Entering Extended Passive Mode (|||${dead}|)` });
    const r = await tftp(['get', '-q', '--timeout', '5', '-P', String(server.port), '127.0.0.1', 'a.bin', join(local, 'a.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(local, 'a.bin'))).equals(data)).toBe(true);
    const verbs = server.verbs();
    expect(verbs.filter((v) => v === 'EPSV')).toHaveLength(1);
    expect(verbs.indexOf('EPSV')).toBeLessThan(verbs.indexOf('SIZE'));
    expect(verbs.slice(verbs.indexOf('PASV'))).toEqual(['PASV', 'RETR', 'QUIT']);
  });

  it('get of one file from a server that does not know EPSV: the refusal that came with SIZE leads to PASV', async () => {
    server = await startFakeServer({ files: { 'a.bin': data }, handlers: { EPSV: ({ session }) => session.reply(500, 'EPSV not understood') } });
    const r = await tftp(['get', '-q', '--timeout', '5', '-P', String(server.port), '127.0.0.1', 'a.bin', join(local, 'a.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(local, 'a.bin'))).equals(data)).toBe(true);
    const verbs = server.verbs();
    expect(verbs.filter((v) => v === 'EPSV')).toHaveLength(1);
    expect(verbs.slice(verbs.indexOf('SIZE'))).toEqual(['SIZE', 'PASV', 'RETR', 'QUIT']);
  });

  it('the library: FtpClient({ epsv: false }) never sends EPSV', async () => {
    server = await startFakeServer({ files: { 'a.bin': data } });
    const client = new FtpClient({ timeoutMs: 2000, epsv: false });
    await client.connect('127.0.0.1', server.port);
    await client.login();
    const chunks: Buffer[] = [];
    await client.retrieve('RETR a.bin', new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) }));
    await client.quit();
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(server.verbs()).not.toContain('EPSV');
    expect(server.verbs()).toContain('PASV');
  });
});

describe('the library without type()', () => {
  // Servers start in ASCII (pure-ftpd, proftpd): this one converts LF to CRLF until TYPE I.
  it('retrieve and store move bytes unchanged: TYPE I goes first', async () => {
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i % 7 === 0 ? 0x0a : i & 0xff)));
    const ascii = new WeakSet<object>();
    server = await startFakeServer({
      files: { 'bin.dat': binary },
      handlers: {
        TYPE: ({ session, arg }) => {
          if (arg.toUpperCase().startsWith('I')) ascii.delete(session);
          else ascii.add(session);
          return session.reply(200, 'Type set');
        },
        USER: ({ session }) => {
          ascii.add(session); // the session starts in ASCII
          return session.reply(331, 'Password required');
        },
        RETR: (ctx) => {
          if (ascii.has(ctx.session)) ctx.server.files.set('bin.dat', Buffer.from(binary.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'));
          else ctx.server.files.set('bin.dat', binary);
          return ctx.fallback();
        },
      },
    });
    const client = new FtpClient({ timeoutMs: 2000 });
    await client.connect('127.0.0.1', server.port);
    await client.login();
    const chunks: Buffer[] = [];
    const n = await client.retrieve('RETR bin.dat', new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) }));
    await client.quit();
    expect(n).toBe(binary.length);
    expect(Buffer.concat(chunks).equals(binary)).toBe(true);
    expect(server.commands.indexOf('TYPE I')).toBeGreaterThan(-1);
    expect(server.commands.indexOf('TYPE I')).toBeLessThan(server.commands.indexOf('RETR bin.dat'));
  });
});

describe('the package entry point', () => {
  it('exports replyText and the listing types, and list() gives them', async () => {
    const { replyText: text, FtpClient: Client } = await import('../../src/index.js');
    expect(text({ code: 230, lines: ['Logged ', ' in'] })).toBe('Logged in');
    server = await startFakeServer({ files: { 'a.bin': data } });
    const client = new Client({ timeoutMs: 2000 });
    await client.connect('127.0.0.1', server.port);
    await client.login();
    const listing: Listing = await client.list();
    await client.quit();
    const entry: ListEntry | undefined = listing.entries.find((e) => e.name === 'a.bin');
    expect(entry).toMatchObject({ type: 'file', size: data.length });
  });
});

describe('the CLI', () => {
  it('every connection of get -r -j 3 learns from the first that EPSV leads nowhere', async () => {
    const dead = await deadPort();
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.bin`, data.subarray(0, 1000 * (i + 1))]));
    server = await startFakeServer({ files, epsvReply: `229 Entering Extended Passive Mode (|||${dead}|)` });
    const r = await tftp(['get', '-r', '-j', '3', '--timeout', '5', '-P', String(server.port), '127.0.0.1', '*.bin', join(local, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    for (const [name, body] of Object.entries(files)) expect((await readFile(join(local, 'out', name))).equals(body)).toBe(true);
    expect(server.verbs().filter((v) => v === 'EPSV')).toHaveLength(1);
  });

  it('--no-epsv sends PASV only', async () => {
    server = await startFakeServer({ files: { 'a.bin': data } });
    const r = await tftp(['get', '--no-epsv', '-P', String(server.port), '127.0.0.1', 'a.bin', join(local, 'a.bin')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(local, 'a.bin'))).equals(data)).toBe(true);
    expect(server.verbs()).not.toContain('EPSV');
  });
});

describe('a server that refuses clear-text logins', () => {
  it('exit 4, and the line says to connect with FTPS', async () => {
    server = await startFakeServer({ handlers: { USER: '530 Non-anonymous sessions must use encryption.' } });
    const r = await tftp(['ls', '-u', 'alice', '--password', 'pw', '-P', String(server.port), '127.0.0.1']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^tftp: login rejected: 530 Non-anonymous sessions must use encryption\. \(the server wants TLS: connect with FTPS, e\.g\. --tls or ftpes:\/\/\)\n$/m);
  });
});

describe('an empty listing whose data connection closed before the 150 was read', () => {
  // inetutils ftpd: connect, close at once, then 150 and 226 together. The
  // second listing goes out with EPSV, so all of it is in before the client looks.
  it('ends the listing (no hang), twice in a row on one connection', async () => {
    server = await startFakeServer({
      handlers: {
        LIST: async ({ session }) => {
          const data = await session.openData();
          data.end();
          await new Promise((r) => data.once('close', r));
          await new Promise((r) => setTimeout(r, 50)); // the client has seen the close long before the 150
          await session.send('150 Here comes the directory listing.\r\n226 Transfer complete.\r\n');
        },
      },
    });
    const client = new FtpClient({ timeoutMs: 2000 });
    await client.connect('127.0.0.1', server.port);
    await client.login();
    const t = performance.now();
    for (let i = 0; i < 3; i++) expect((await client.list()).entries).toEqual([]);
    await client.quit();
    expect(performance.now() - t).toBeLessThan(1500);
  });
});
