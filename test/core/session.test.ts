import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { FtpClient } from '../../src/core/client.js';
import type { Reply } from '../../src/protocol/reply.js';
import { startFakeServer } from '../support/fake-server.js';
import { TEST_CA, startFtpSrv } from '../support/ftpsrv.js';
import { useSessions } from '../support/sessions.js';

// What the session offers besides commands: replies paired with their
// commands, a data mode forced from outside, modes shared between clients,
// busy during a transfer, the TLS version.

const s = useSessions('tftp-session-');

const sink = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

describe('the session', () => {
  it('onReply pairs each reply with its command, also when EPSV and RETR leave together; PASS is masked', async () => {
    s.fake = await startFakeServer({ files: { 'a.bin': 'aaa', 'b.bin': 'bbb' } });
    const replies: [string | undefined, number][] = [];
    const c = new FtpClient({ timeoutMs: 2000, onReply: (cmd: string | undefined, r: Reply) => replies.push([cmd, r.code]) });
    s.client = c;
    await c.connect('127.0.0.1', s.fake.port);
    await c.login('u', 'secret');
    await c.retrieve('RETR a.bin', sink());
    await c.retrieve('RETR b.bin', sink()); // EPSV has worked: it goes out with RETR
    expect(replies).toEqual([
      [undefined, 220],
      ['USER u', 331],
      ['PASS ****', 230],
      ['TYPE I', 200],
      ['EPSV', 229],
      ['RETR a.bin', 150],
      ['RETR a.bin', 226],
      ['EPSV', 229],
      ['RETR b.bin', 150],
      ['RETR b.bin', 226],
    ]);
    expect(s.fake.commands.filter((l) => /^(EPSV|RETR)/.test(l))).toEqual(['EPSV', 'RETR a.bin', 'EPSV', 'RETR b.bin']);
  });

  it('useDataMode forces PASV or PORT on a server whose EPSV and EPRT work', async () => {
    const c = await s.fakeWith({ files: { 'a.bin': 'aaa' } });
    c.useDataMode('pasv');
    expect(c.modes).toEqual({ epsv: false, eprt: undefined });
    await c.retrieve('RETR a.bin', sink());
    c.useDataMode('port');
    expect(c.passive).toBe(false);
    await c.retrieve('RETR a.bin', sink());
    c.useDataMode('eprt');
    await c.retrieve('RETR a.bin', sink());
    expect(s.fake!.verbs().filter((v) => /^(EPSV|PASV|EPRT|PORT)$/.test(v))).toEqual(['PASV', 'PORT', 'EPRT']);
  });

  it('modes given to two clients are learned by one and used by the other (the old option name too)', async () => {
    s.fake = await startFakeServer({ files: { 'a.bin': 'aaa' }, epsv: false });
    const shared = {};
    const first = new FtpClient({ timeoutMs: 2000, features: shared });
    const second = new FtpClient({ timeoutMs: 2000, modes: shared });
    try {
      for (const c of [first, second]) {
        await c.connect('127.0.0.1', s.fake.port);
        await c.login();
        await c.retrieve('RETR a.bin', sink());
      }
      expect(shared).toEqual({ epsv: false });
      expect(second.modes).toBe(first.modes);
      expect(s.fake.verbs().filter((v) => v === 'EPSV')).toHaveLength(1); // the second never tries it
    } finally {
      first.close();
      second.close();
    }
  });

  it('is busy while a transfer owns the connection, and only then', async () => {
    const c = await s.fakeWith({ files: { 'a.bin': Buffer.alloc(100_000, 1) } });
    const seen: boolean[] = [];
    expect(c.busy).toBe(false);
    await c.retrieve('RETR a.bin', sink(), { onBytes: () => seen.push(c.busy) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(Boolean)).toBe(true);
    expect(c.busy).toBe(false);
  });

  it('tlsProtocol names the TLS version once TLS is up, and nothing for plain FTP', async () => {
    s.srv = await startFtpSrv({ tls: 'implicit' });
    const tls = new FtpClient({ timeoutMs: 3000, tls: { mode: 'implicit', ca: [readFileSync(TEST_CA, 'utf8')] } });
    try {
      await tls.connect('127.0.0.1', s.srv.port);
      expect(tls.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    } finally {
      tls.close();
    }
    const plain = await s.fakeWith({});
    expect(plain.tlsProtocol).toBeUndefined();
  });
});
