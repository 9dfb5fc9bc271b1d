import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FtpClient } from '../../src/core/client.js';
import { startFtpSrv } from '../support/ftpsrv.js';
import { useSessions } from '../support/sessions.js';

// Once EPSV has worked on a connection, the next EPSV goes out in the same
// write as the transfer command: one round trip less per file.

const s = useSessions('tftp-pipeline-');
const { connect, fakeWith } = s;
const fetch = (c: FtpClient, name: string, rest?: number) => s.fetch(c, name, { rest });

/** What was sent and answered around each RETR: '>' sent, '<' a reply code. */
function exchange(): string {
  return s.trace
    .filter((l) => /^> (EPSV|PASV|REST|RETR)|^< \d{3}/.test(l))
    .map((l) => (l.startsWith('>') ? l.split(' ')[1] : l.slice(2, 5)))
    .join(' ');
}

describe('EPSV pipelined with the transfer command', () => {
  it('ftp-srv: from the second file on, EPSV and RETR leave together; every file arrives whole', async () => {
    s.srv = await startFtpSrv();
    const files = ['a.bin', 'b.bin', 'c.bin'].map((name, i) => ({ name, body: randomBytes(1000 + i * 70_000) }));
    for (const f of files) writeFileSync(join(s.srv.root, f.name), f.body);
    const c = await connect(s.srv.port);
    for (const f of files) expect((await fetch(c, f.name)).equals(f.body)).toBe(true);
    const sent = s.trace.filter((l) => /^> (EPSV|RETR)|^< 229/.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '));
    expect(sent).toEqual([
      '> EPSV', '< 229', '> RETR',
      '> EPSV', '> RETR', '< 229',
      '> EPSV', '> RETR', '< 229',
    ]);
  });

  it('data that has ended and closed before the 150 arrives is still taken whole', async () => {
    const body = randomBytes(5000);
    const c = await fakeWith({ files: { 'f.bin': body }, dataFaults: { RETR: { type: 'coalesce' } } });
    for (let i = 0; i < 3; i++) expect((await fetch(c, 'f.bin')).equals(body)).toBe(true);
  });

  it('not with REST: a refused REST must stop the command before it runs', async () => {
    const body = randomBytes(3000);
    const c = await fakeWith({ files: { 'f.bin': body } });
    await fetch(c, 'f.bin');
    s.trace = [];
    writeFileSync(join(s.local, 'f.bin'), body.subarray(0, 1000));
    expect((await fetch(c, 'f.bin', 1000)).equals(body)).toBe(true);
    expect(exchange()).toMatch(/^EPSV 229 REST 350 RETR 150 226$/);
  });

  it('EPSV refused (5xx) this time: the command refusal is read, PASV takes over, and stays', async () => {
    let epsvs = 0;
    const body = randomBytes(2000);
    const c = await fakeWith({
      files: { 'f.bin': body },
      handlers: { EPSV: (ctx) => (++epsvs === 2 ? '500 EPSV disabled now' : ctx.fallback()) },
    });
    for (let i = 0; i < 3; i++) expect((await fetch(c, 'f.bin')).equals(body)).toBe(true);
    expect(s.fake!.verbs().filter((v) => /EPSV|PASV|RETR/.test(v))).toEqual(['EPSV', 'RETR', 'EPSV', 'RETR', 'PASV', 'RETR', 'PASV', 'RETR']);
    expect(exchange()).toContain('EPSV RETR 500 425 PASV 227 RETR 150 226');
  });

  it('EPSV refused (4xx) this time: that error, and the session stays in step', async () => {
    let epsvs = 0;
    const body = randomBytes(2000);
    const c = await fakeWith({
      files: { 'f.bin': body },
      handlers: { EPSV: (ctx) => (++epsvs === 2 ? '425 No passive port free' : ctx.fallback()) },
    });
    await fetch(c, 'f.bin');
    await expect(fetch(c, 'f.bin')).rejects.toMatchObject({ kind: 'temporary', code: 425, message: expect.stringContaining('No passive port free') });
    expect((await fetch(c, 'f.bin')).equals(body)).toBe(true);
    expect((await c.sendcmd('NOOP')).code).toBe(200);
  });

  it('a pipelined RETR refused (550) fails that file only: its dropped data connection does not end the session', async () => {
    const c = await fakeWith({ files: { 'f.bin': 'abc' } });
    await fetch(c, 'f.bin');
    await expect(fetch(c, 'missing.bin')).rejects.toMatchObject({ kind: 'permanent', code: 550 });
    expect(c.connected).toBe(true);
    expect((await fetch(c, 'f.bin')).toString()).toBe('abc');
  });

  it('a server that takes the command after refusing EPSV is a protocol error, and the session ends', async () => {
    let epsvs = 0;
    let retrs = 0;
    const c = await fakeWith({
      files: { 'f.bin': 'x' },
      handlers: {
        EPSV: (ctx) => (++epsvs === 2 ? '500 no' : ctx.fallback()),
        RETR: (ctx) => (++retrs === 2 ? '150 Sending anyway' : ctx.fallback()),
      },
    });
    await fetch(c, 'f.bin');
    await expect(fetch(c, 'f.bin')).rejects.toMatchObject({ kind: 'protocol', message: expect.stringContaining('after refusing EPSV') });
    expect(c.connected).toBe(false);
  });

  it('a malformed 229 on a pipelined EPSV ends the session (the command reply is still owed)', async () => {
    let epsvs = 0;
    const c = await fakeWith({
      files: { 'f.bin': 'x' },
      handlers: { EPSV: (ctx) => (++epsvs === 2 ? '229 Entering Extended Passive Mode (|||99999999|)' : ctx.fallback()) },
    });
    await fetch(c, 'f.bin');
    await expect(fetch(c, 'f.bin')).rejects.toMatchObject({ kind: 'protocol' });
    expect(c.connected).toBe(false);
  });
});
