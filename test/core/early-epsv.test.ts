import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FtpClient, type DataModes } from '../../src/core/client.js';
import { startFakeServer } from '../support/fake-server.js';
import { useSessions } from '../support/sessions.js';

// A session's first transfer: its EPSV goes out with the command before it
// (SIZE), and that reply opens the data connection, a round trip saved. The
// port is the server's newest only until the next transfer: one that does not
// use it (EPSV proven meanwhile, so it sends its own) drops it.

const s = useSessions('tftp-early-epsv-');
const files = { 'a.bin': randomBytes(5000), 'b.bin': randomBytes(7000) };

async function client(modes: DataModes): Promise<FtpClient> {
  s.fake = await startFakeServer({ files });
  const c = new FtpClient({ timeoutMs: 2000, modes });
  s.client = c;
  await c.connect('127.0.0.1', s.fake.port);
  await c.login();
  return c;
}

async function read(c: FtpClient, name: string, rest?: number): Promise<Buffer> {
  const path = join(s.local, name);
  const fd = openSync(path, 'w');
  try {
    await c.read(name, { fd, position: 0 }, rest === undefined ? {} : { rest });
  } finally {
    closeSync(fd);
  }
  return readFileSync(path);
}

describe('EPSV with the command before the first transfer', () => {
  it('goes out in the same write as SIZE, and the RETR uses its port: no EPSV of its own', async () => {
    const c = await client({});
    c.readsNext('a.bin');
    expect(await c.size('a.bin')).toBe(files['a.bin'].length);
    expect((await read(c, 'a.bin')).equals(files['a.bin'])).toBe(true);
    expect(s.fake!.verbs().slice(2)).toEqual(['EPSV', 'TYPE', 'SIZE', 'RETR']);
    expect(c.modes.epsv).toBe(true);
  });

  it('a transfer that did not use it drops it: the next one asks for a port of its own', async () => {
    const modes: DataModes = {};
    const c = await client(modes);
    c.readsNext('a.bin');
    await c.size('a.bin');
    modes.epsv = true; // another session sharing these modes proved EPSV meanwhile
    expect((await read(c, 'a.bin')).equals(files['a.bin'])).toBe(true); // EPSV and RETR together
    // With REST, EPSV is asked on its own: the early port (closed by the EPSV after it) must not be used.
    expect((await read(c, 'b.bin', 0)).equals(files['b.bin'])).toBe(true);
    expect(s.fake!.verbs().slice(2)).toEqual(['EPSV', 'TYPE', 'SIZE', 'EPSV', 'RETR', 'EPSV', 'REST', 'RETR']);
  });

  it('is not sent once EPSV is proven, nor in active mode', async () => {
    const c = await client({ epsv: true });
    c.readsNext('a.bin');
    await c.size('a.bin');
    c.useDataMode('eprt');
    c.readsNext('b.bin');
    await c.size('b.bin');
    expect(s.fake!.verbs().slice(2)).toEqual(['TYPE', 'SIZE', 'SIZE']);
  });
});

describe('an early EPSV of an earlier connection', () => {
  it('is not used after the session reconnects: the transfer asks its own', async () => {
    const c = await client({});
    c.readsNext('a.bin');
    await c.size('a.bin'); // EPSV went out, and was answered, on this connection
    c.close();
    await c.connect('127.0.0.1', s.fake!.port);
    await c.login();
    expect((await read(c, 'a.bin')).equals(files['a.bin'])).toBe(true);
    // The second connection's commands: its own EPSV before the RETR.
    const verbs = s.fake!.verbs();
    const second = verbs.slice(verbs.lastIndexOf('USER'));
    expect(second.filter((v) => v === 'EPSV')).toHaveLength(1);
    expect(second.indexOf('EPSV')).toBeLessThan(second.indexOf('RETR'));
  });
});
