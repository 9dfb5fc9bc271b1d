import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FtpClient } from '../../src/core/client.js';
import { startFakeServer } from '../support/fake-server.js';
import { startFtpSrv } from '../support/ftpsrv.js';
import { useSessions } from '../support/sessions.js';

// TransferOptions.next: the next file's EPSV and RETR go out as soon as this
// file's final reply is in, so the server starts on it while the client is
// still finishing the last one.

const s = useSessions('tftp-ahead-');
const { connect, fakeWith } = s;
const fetch = (c: FtpClient, name: string, next?: string) => s.fetch(c, name, { next });

/** The RETR lines the server has received so far. */
const retrs = () => s.fake!.commands.filter((l) => l.startsWith('RETR'));

describe('sending the next transfer ahead', () => {
  it('the next RETR reaches the server before the caller asks for it, and every file arrives whole', async () => {
    const files = { 'a.bin': randomBytes(3000), 'b.bin': randomBytes(70_000), 'c.bin': randomBytes(10) };
    const c = await fakeWith({ files });
    await fetch(c, 'a.bin'); // EPSV now known to work
    expect((await fetch(c, 'a.bin', 'RETR b.bin')).equals(files['a.bin'])).toBe(true);
    await sleep(100); // the caller dawdles: the server has the next command already
    expect(retrs()).toEqual(['RETR a.bin', 'RETR a.bin', 'RETR b.bin']);
    expect((await fetch(c, 'b.bin', 'RETR c.bin')).equals(files['b.bin'])).toBe(true);
    expect((await fetch(c, 'c.bin')).equals(files['c.bin'])).toBe(true);
    // Sent once each: taking a command sent ahead sends nothing more.
    expect(s.fake!.verbs().filter((v) => v === 'EPSV' || v === 'RETR')).toEqual(['EPSV', 'RETR', 'EPSV', 'RETR', 'EPSV', 'RETR', 'EPSV', 'RETR']);
    expect((await c.sendcmd('NOOP')).code).toBe(200);
  });

  it('ftp-srv: a loop that always names the next file gets every file whole', async () => {
    s.srv = await startFtpSrv();
    const names = Array.from({ length: 12 }, (_, i) => `f${i}.bin`);
    const bodies = names.map((_, i) => randomBytes(500 + i * 9000));
    names.forEach((n, i) => writeFileSync(join(s.srv!.root, n), bodies[i]!));
    const c = await connect(s.srv.port);
    for (let i = 0; i < names.length; i++) {
      const next = i + 1 < names.length ? `RETR ${names[i + 1]}` : undefined;
      expect((await fetch(c, names[i]!, next)).equals(bodies[i]!), names[i]).toBe(true);
    }
    expect(s.trace.filter((l) => l.startsWith('> RETR'))).toHaveLength(names.length);
    expect((await c.sendcmd('NOOP')).code).toBe(200);
  });

  it('another command first: the command sent ahead is taken back, and each command gets its own reply', async () => {
    const files = { 'a.bin': randomBytes(2000), 'b.bin': randomBytes(200_000) };
    const c = await fakeWith({ files });
    await fetch(c, 'a.bin');
    await fetch(c, 'a.bin', 'RETR b.bin');
    const noop = await c.sendcmd('NOOP');
    expect(noop.code).toBe(200);
    expect(await c.size('a.bin')).toBe(2000);
    expect((await fetch(c, 'a.bin')).equals(files['a.bin'])).toBe(true);
    expect(retrs()).toEqual(['RETR a.bin', 'RETR a.bin', 'RETR b.bin', 'RETR a.bin']);
  });

  it('another transfer first: the one sent ahead is taken back, then the asked one runs', async () => {
    const files = { 'a.bin': randomBytes(2000), 'b.bin': randomBytes(5000), 'c.bin': randomBytes(7000) };
    const c = await fakeWith({ files });
    await fetch(c, 'a.bin');
    await fetch(c, 'a.bin', 'RETR b.bin');
    expect((await fetch(c, 'c.bin')).equals(files['c.bin'])).toBe(true);
    expect(retrs()).toEqual(['RETR a.bin', 'RETR a.bin', 'RETR b.bin', 'RETR c.bin']);
    expect((await c.sendcmd('NOOP')).code).toBe(200);
  });

  it('a command sent ahead that the server refuses fails its own transfer, and the session stays in step', async () => {
    const files = { 'a.bin': randomBytes(2000) };
    const c = await fakeWith({ files });
    await fetch(c, 'a.bin');
    await fetch(c, 'a.bin', 'RETR missing.bin');
    await expect(fetch(c, 'missing.bin')).rejects.toMatchObject({ kind: 'permanent', code: 550 });
    expect((await fetch(c, 'a.bin')).equals(files['a.bin'])).toBe(true);
  });

  it('a refused command sent ahead and never taken is read back before the next command', async () => {
    const c = await fakeWith({ files: { 'a.bin': 'abc' } });
    await fetch(c, 'a.bin');
    await fetch(c, 'a.bin', 'RETR missing.bin');
    expect((await c.sendcmd('NOOP')).code).toBe(200);
    expect((await fetch(c, 'a.bin')).toString()).toBe('abc');
  });

  it('nothing goes ahead after a failed transfer (its final reply an error)', async () => {
    const body = randomBytes(4000);
    const c = await fakeWith({ files: { 'a.bin': body, 'b.bin': 'b' }, dataFaults: {} });
    await fetch(c, 'a.bin');
    s.fake!.dataFaults.RETR = { type: 'truncate', bytes: 100, reply: '451 Local error in processing' };
    await expect(fetch(c, 'a.bin', 'RETR b.bin')).rejects.toMatchObject({ code: 451 });
    await sleep(50);
    expect(retrs()).toEqual(['RETR a.bin', 'RETR a.bin']);
    delete s.fake!.dataFaults.RETR;
    expect((await fetch(c, 'b.bin')).toString()).toBe('b');
  });

  it('quit with a command sent ahead hangs up at once instead of queueing QUIT behind it', async () => {
    const c = await fakeWith({ files: { 'a.bin': 'a', 'b.bin': 'b' } });
    await fetch(c, 'a.bin');
    await fetch(c, 'a.bin', 'RETR b.bin');
    await c.quit();
    expect(c.connected).toBe(false);
    expect(s.fake!.verbs()).not.toContain('QUIT');
  });

  it('only where EPSV works and only in passive mode: elsewhere the transfers go step by step', async () => {
    s.fake = await startFakeServer({ files: { 'a.bin': 'a', 'b.bin': 'b' }, epsv: false });
    const c = await connect(s.fake.port);
    for (let i = 0; i < 2; i++) expect((await fetch(c, 'a.bin', 'RETR b.bin')).toString()).toBe('a');
    await sleep(50);
    expect(retrs()).toEqual(['RETR a.bin', 'RETR a.bin']);
    c.close();
    s.fake.epsv = true;
    const active = await connect(s.fake.port, { passive: false });
    for (let i = 0; i < 2; i++) expect((await fetch(active, 'a.bin', 'RETR b.bin')).toString()).toBe('a');
    await sleep(50);
    expect(retrs()).toEqual(['RETR a.bin', 'RETR a.bin', 'RETR a.bin', 'RETR a.bin']);
  });

  it('an upload is never sent ahead: taking it back would leave an empty file', async () => {
    const c = await fakeWith({});
    await c.store('STOR a.bin', Readable.from([Buffer.from('first')]));
    await c.store('STOR a.bin', Readable.from([Buffer.from('second')]), { next: 'STOR keep.bin' });
    expect(c.sendAhead('STOR keep.bin')).toBe(false);
    expect((await c.sendcmd('NOOP')).code).toBe(200);
    expect(s.fake!.commands.filter((l) => l.startsWith('STOR'))).toEqual(['STOR a.bin', 'STOR a.bin']);
  });

  /** A client whose trace can act on a reply line as it arrives. */
  const clientWithTrace = (onReply: (line: string) => void) => connect(s.fake!.port, { onReply });

  it('Ctrl-C after the 226, with the next RETR already sent: no ABOR (nothing to abort), and the session stays in step', async () => {
    const body = randomBytes(400_000);
    s.fake = await startFakeServer({ files: { 'a.bin': body, 'b.bin': 'b' } });
    const ac = new AbortController();
    let armed = false;
    // early226: the 226 comes half-way, the rest of the data 20 ms later.
    const c = await clientWithTrace((line) => armed && line.startsWith('226') && setTimeout(() => ac.abort(), 5));
    await fetch(c, 'a.bin');
    s.fake.dataFaults.RETR = { type: 'early226' };
    armed = true;
    const path = join(s.local, 'a.bin');
    const fd = openSync(path, 'w');
    await expect(c.retrieve('RETR a.bin', { fd, position: 0 }, { next: 'RETR b.bin', signal: ac.signal })).rejects.toMatchObject({ kind: 'aborted' });
    closeSync(fd);
    delete s.fake.dataFaults.RETR;
    expect(retrs()).toEqual(['RETR a.bin', 'RETR a.bin', 'RETR b.bin']); // it had gone ahead
    expect((await c.sendcmd('NOOP')).code).toBe(200);
    expect((await fetch(c, 'b.bin')).toString()).toBe('b');
    expect(s.fake.verbs()).not.toContain('ABOR');
  });

  it('Ctrl-C as the 226 arrives: the next RETR does not go ahead, and the session stays in step', async () => {
    s.fake = await startFakeServer({ files: { 'a.bin': randomBytes(400_000), 'b.bin': 'b' } });
    const ac = new AbortController();
    let armed = false;
    const c = await clientWithTrace((line) => armed && line.startsWith('226') && ac.abort());
    await fetch(c, 'a.bin');
    s.fake.dataFaults.RETR = { type: 'early226' };
    armed = true;
    const fd = openSync(join(s.local, 'a.bin'), 'w');
    await expect(c.retrieve('RETR a.bin', { fd, position: 0 }, { next: 'RETR b.bin', signal: ac.signal })).rejects.toMatchObject({ kind: 'aborted' });
    closeSync(fd);
    delete s.fake.dataFaults.RETR;
    expect((await c.sendcmd('NOOP')).code).toBe(200);
    expect(retrs()).toEqual(['RETR a.bin', 'RETR a.bin']);
    expect((await fetch(c, 'b.bin')).toString()).toBe('b');
  });

  it('a command sent ahead is forgotten with its connection: the same client connects and logs in again', async () => {
    const c = await fakeWith({ files: { 'a.bin': 'a', 'b.bin': 'b' } });
    await fetch(c, 'a.bin');
    await fetch(c, 'a.bin', 'RETR b.bin');
    c.close();
    await c.connect('127.0.0.1', s.fake!.port);
    const began = performance.now();
    await c.login();
    expect(performance.now() - began).toBeLessThan(1000);
    expect((await fetch(c, 'a.bin')).toString()).toBe('a');
  });

  it('a next command with a line break is refused before anything is sent', async () => {
    const c = await fakeWith({ files: { 'a.bin': 'a' } });
    await expect(fetch(c, 'a.bin', 'RETR b\r\nDELE a.bin')).rejects.toThrow(/next command/);
    expect(s.fake!.commands.some((l) => l.startsWith('DELE'))).toBe(false);
  });
});
