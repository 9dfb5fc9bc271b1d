import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtpClient } from '../../src/core/client.js';
import { TEST_CA } from '../support/ftpsrv.js';
import { startTlsFakeServer, type TlsFakeOptions, type TlsFakeServer } from '../support/tls-fake-server.js';

// FTPS data connections that misbehave: plain text before the handshake must
// never reach the file, and a data connection the client no longer needs (its
// command refused) is closed at once, not left mid-handshake.

const BODY = Buffer.from('the real file\n');
let server: TlsFakeServer | undefined;
let local: string;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-tls-data-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

async function client(opts: TlsFakeOptions, timeoutMs = 5000): Promise<FtpClient> {
  server = await startTlsFakeServer(opts);
  const c = new FtpClient({ timeoutMs, tls: { mode: 'explicit', ca: [readFileSync(TEST_CA, 'utf8')] } });
  await c.connect('127.0.0.1', server.port);
  await c.login();
  await c.type('I');
  return c;
}

/** retrieve() into a fresh file; the error, if any, and what the file holds. */
async function retrieveInto(c: FtpClient, name: string, rest?: number): Promise<{ err?: unknown; file: Buffer }> {
  const path = join(local, `${name}-${Math.random()}`);
  const fd = openSync(path, 'w');
  let err: unknown;
  try {
    await c.retrieve(`RETR ${name}`, { fd, position: 0 }, rest === undefined ? {} : { rest });
  } catch (e) {
    err = e;
  } finally {
    closeSync(fd);
  }
  return { err, file: readFileSync(path) };
}

describe('plain text on an FTPS data connection before its handshake', () => {
  it.each([
    ['the first data connection (its EPSV port proven first), with REST', 1],
    ['a later one, dialled by TLS', 2],
  ])('%s: refused as plain text, and none of it reaches the file', async (_title, connection) => {
    const c = await client({ files: { 'f.bin': BODY }, plainOn: { connection, text: 'INJECTED-PLAIN-TEXT' } });
    if (connection === 2) expect((await retrieveInto(c, 'f.bin')).file.equals(BODY)).toBe(true);
    const { err, file } = await retrieveInto(c, 'f.bin', 0);
    expect(err).toMatchObject({ kind: 'tls', message: expect.stringMatching(/plain text, not TLS/) });
    expect(file.length).toBe(0);
    c.close();
  });
});

describe('a refused command under FTPS', () => {
  it('closes the data connection it dialled at once, even when the server never answers its handshake', async () => {
    const c = await client({ files: { 'f.bin': BODY } }, 6000);
    expect((await retrieveInto(c, 'f.bin')).file.equals(BODY)).toBe(true); // EPSV proven: the next one is dialled by TLS
    const { err } = await retrieveInto(c, 'missing.bin');
    expect(err).toMatchObject({ kind: 'permanent', code: 550 });
    // Cancelled before or during its connect, or closed at once: never left open for the handshake's 6 s.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    for (const d of server!.data.filter((x) => x.silent)) expect(d.closedAfterMs).toBeLessThan(1500);
    expect(server!.data.every((d) => d.closedAfterMs !== undefined)).toBe(true);
    // The session goes on.
    expect((await retrieveInto(c, 'f.bin')).file.equals(BODY)).toBe(true);
    await c.quit();
  });
});

describe('the first EPSV port of an FTPS session cannot be reached', () => {
  it('falls back to PASV before the command is sent, and stays with PASV', async () => {
    const c = await client({ files: { 'f.bin': BODY }, deadFirstEpsv: true });
    for (let i = 0; i < 2; i++) expect((await retrieveInto(c, 'f.bin')).file.equals(BODY)).toBe(true);
    const verbs = server!.commands.map((line) => line.split(' ')[0]);
    // The dead port was never followed by a command; from then on PASV only.
    expect(verbs.filter((v) => v === 'EPSV')).toHaveLength(1);
    expect(verbs.slice(verbs.indexOf('EPSV'))).toEqual(['EPSV', 'PASV', 'RETR', 'PASV', 'RETR']);
    await c.quit();
  });
});
