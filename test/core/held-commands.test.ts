import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { recordingGreeting, startFakeServer } from '../support/fake-server.js';
import { FtpClient } from '../../src/core/client.js';
import { useSessions } from '../support/sessions.js';

// TYPE (and OPTS UTF8 ON) cost no round trip of their own: they go out in
// the same write as the next command. These cases send that next command
// without waiting (EPSV and RETR pipelined, once EPSV has worked).

const s = useSessions('tftp-held-');

describe('commands held for the next write', () => {
  it('a TYPE A held when EPSV and RETR go out together goes in the same write, first, and the bytes are converted', async () => {
    const writes: string[][] = [];
    const c = await s.fakeWith({ greeting: recordingGreeting(writes, '220 ready'), files: { 'a.txt': 'x\r\ny\r\n' } });
    await s.fetch(c, 'a.txt'); // EPSV proven
    await c.type('A');
    expect((await s.fetch(c, 'a.txt')).toString()).toBe('x\ny\n');
    expect(writes.at(-1)).toEqual(['TYPE A', 'EPSV', 'RETR a.txt']);
    expect((await c.sendcmd('NOOP')).code).toBe(200); // every reply was read: the next one is NOOP's
  });

  it('a refused TYPE held with a pipelined transfer fails that transfer with the refusal, and ends the session', async () => {
    const c = await s.fakeWith({
      files: { 'a.txt': 'x\r\n' },
      handlers: { TYPE: ({ arg, session }) => (arg === 'A' ? session.reply(504, 'No ASCII here') : session.reply(200, 'Binary')) },
    });
    await s.fetch(c, 'a.txt');
    await c.type('A');
    await expect(s.fetch(c, 'a.txt')).rejects.toThrow(/504 No ASCII here/);
    expect(c.session.connected).toBe(false);
    expect(c.transferType).toBeUndefined();
  });

  it('a non-ASCII name sent ahead, FEAT never asked: OPTS UTF8 ON goes with it, and the file arrives whole', async () => {
    const writes: string[][] = [];
    const body = randomBytes(2000);
    const c = await s.fakeWith({ greeting: recordingGreeting(writes, '220 ready'), files: { 'a.bin': 'a', 'é.bin': body } });
    await s.fetch(c, 'a.bin');
    await s.fetch(c, 'a.bin', { next: 'RETR é.bin' });
    expect((await s.fetch(c, 'é.bin')).equals(body)).toBe(true);
    expect(writes).toContainEqual(['OPTS UTF8 ON', 'EPSV', 'RETR é.bin']);
    expect(s.fake!.verbs()).not.toContain('FEAT');
    expect((await c.sendcmd('NOOP')).code).toBe(200);
  });

  it('a command that cannot be sent (its name not in the encoding) leaves the TYPE held for the next one', async () => {
    s.fake = await startFakeServer({ commandEncoding: 'latin1' });
    const c = (s.client = new FtpClient({ timeoutMs: 2000, encoding: 'latin1' }));
    await c.connect('127.0.0.1', s.fake.port);
    await c.login();
    await c.type('A');
    await expect(c.sendcmd('SIZE 日本.txt')).rejects.toMatchObject({ kind: 'argument' });
    expect((await c.sendcmd('NOOP')).code).toBe(200);
    expect(s.fake.commands.slice(-2)).toEqual(['TYPE A', 'NOOP']);
    expect(c.transferType).toBe('A');
  });
});
