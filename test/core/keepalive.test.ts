import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/index.js';
import { startFakeServer, waitUntil, type FakeServer } from '../support/fake-server.js';
import { startIdleForwarder, type IdleForwarder } from '../support/proxies.js';
import { tftp } from '../support/cli.js';

// A forwarder that forgets a connection idle for IDLE_MS, as a NAT does.
const IDLE_MS = 1_200;

let server: FakeServer;
let forwarder: IdleForwarder;
afterEach(async () => {
  await forwarder?.close();
  await server?.close();
});

async function start(files: Record<string, string>, handlers = {}) {
  server = await startFakeServer({ files, handlers });
  forwarder = await startIdleForwarder({ host: '127.0.0.1', port: server.port }, IDLE_MS);
}
const logins = () => server.verbs().filter((v) => v === 'USER').length;

describe('a library client left idle', () => {
  it('keeps its session with NOOPs across a NAT that forgets idle connections', async () => {
    await start({ 'a.txt': 'first\n', 'b.txt': 'second\n' });
    const ftp = await connect(`ftp://127.0.0.1:${forwarder.port}`, { keepaliveMs: 400 });
    try {
      expect((await ftp.list('.')).map((e) => e.name).sort()).toEqual(['a.txt', 'b.txt']);
      await sleep(IDLE_MS * 2.5);
      expect((await ftp.list('.')).length).toBe(2);
      expect(forwarder.dropped).toBe(0);
      expect(forwarder.accepted).toBe(1);
      expect(logins()).toBe(1);
      expect(server.verbs()).toContain('NOOP');
    } finally {
      await ftp.close();
    }
  });

  it('without keepalive the NAT drops it, and the client has to log in again', async () => {
    await start({ 'a.txt': 'first\n' });
    const ftp = await connect(`ftp://127.0.0.1:${forwarder.port}`, { keepaliveMs: 0 });
    try {
      await ftp.list('.');
      await sleep(IDLE_MS * 2);
      await ftp.list('.');
      expect(forwarder.dropped).toBe(1);
      expect(logins()).toBe(2);
      expect(server.verbs()).not.toContain('NOOP');
    } finally {
      await ftp.close();
    }
  });
});

describe('a session held between the files of a batch', () => {
  // The first RETR is refused for a moment (450): the session waits out --retry-delay, idle.
  const refuseOnce = () => {
    let refused = false;
    return {
      RETR: async (ctx: { session: { reply(code: number, text: string): Promise<void> }; fallback(): Promise<void> }) => {
        if (refused) return ctx.fallback();
        refused = true;
        return ctx.session.reply(450, 'File busy, try again');
      },
    };
  };

  it('survives a wait longer than the NAT keeps idle connections, with --keepalive NOOPs', async () => {
    await start({ 'a.txt': 'first\n', 'b.txt': 'second\n' }, refuseOnce());
    const dir = await mkdtemp(join(tmpdir(), 'tftp-keepalive-'));
    try {
      const r = await tftp(['get', '-j', '1', '--keepalive', '1', '--retries', '1', '--retry-delay', '3', '-P', String(forwarder.port), '127.0.0.1', '*.txt', dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('first\n');
      expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('second\n');
      expect(forwarder.dropped).toBe(0);
      expect(logins()).toBe(1);
      expect(server.verbs()).toContain('NOOP');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--keepalive 0: the NAT drops the waiting session and the retry must log in again', async () => {
    await start({ 'a.txt': 'first\n', 'b.txt': 'second\n' }, refuseOnce());
    const dir = await mkdtemp(join(tmpdir(), 'tftp-keepalive-'));
    try {
      const r = await tftp(['get', '-j', '1', '--keepalive', '0', '--retries', '1', '--retry-delay', '3', '-P', String(forwarder.port), '127.0.0.1', '*.txt', dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(forwarder.dropped).toBe(1);
      expect(logins()).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('TCP keepalive', () => {
  /** The kernel's timers of our established connections to `port` (ss -o). */
  const timers = (port: number) => execFileSync('ss', ['-tnoH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });

  it('is on for the control connection and the data connection while a transfer runs, with the --keepalive interval', async () => {
    server = await startFakeServer({ files: { 'f.bin': Buffer.alloc(100_000) }, dataFaults: { RETR: { type: 'hold', bytes: 50_000 } } });
    const ac = new AbortController();
    const dir = await mkdtemp(join(tmpdir(), 'tftp-keepalive-'));
    try {
      const run = tftp(['get', '--keepalive', '7', '-P', String(server.port), '127.0.0.1', 'f.bin', join(dir, 'f.bin')], { signal: ac.signal });
      await waitUntil(() => server.held > 0, 5_000, 'the transfer to be under way');
      const dataPort = server.connections.find((c) => c.kind === 'data')!.localPort;
      const control = timers(server.port);
      const data = timers(dataPort);
      ac.abort();
      await run;
      expect(control).toMatch(/timer:\(keepalive,[0-9.]+m?s/);
      expect(data).toMatch(/timer:\(keepalive,[0-9.]+m?s/);
      // The first probe comes after 7 s idle (not the kernel's default 2 hours).
      // The first probe comes after 7 s idle, not after the kernel's default 2 hours.
      const left = /timer:\(keepalive,(?:(\d+)min)?([0-9.]+)(m?s)/.exec(control)!;
      expect(Number(left[1] ?? 0) * 60 + Number(left[2]) / (left[3] === 'ms' ? 1000 : 1)).toBeLessThanOrEqual(7);
      const off = timers(server.port);
      expect(off).not.toMatch(/keepalive/); // nothing left open
    } finally {
      ac.abort();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('keepalive NOOPs and the commands around them', () => {
  it('no NOOP while a command waits for its reply; a command sent during a NOOP gets its own reply', async () => {
    const { FtpClient } = await import('../../src/index.js');
    let noops = 0;
    server = await startFakeServer({
      handlers: {
        // A slow command: longer than the keepalive interval.
        SITE: async (ctx) => (await sleep(900), ctx.session.reply(200, 'slow site done')),
        // A slow NOOP: the next command is sent while its reply is still owed.
        NOOP: async (ctx) => (noops++, await sleep(400), ctx.session.reply(200, 'noop ok')),
        PWD: '257 "/home" is the folder',
      },
    });
    const client = new FtpClient({ keepaliveMs: 250 });
    try {
      await client.connect('127.0.0.1', server.port);
      await client.login('anonymous', 'x@');
      const site = await client.sendcmd('SITE SLOW');
      expect(site.code).toBe(200);
      expect(noops).toBe(0); // nothing went out while SITE was unanswered
      await waitUntil(() => noops === 1, 3_000, 'a keepalive NOOP');
      const pwd = await client.sendcmd('PWD');
      expect(pwd.code).toBe(257);
      expect(server.verbs().slice(-2)).toEqual(['NOOP', 'PWD']);
      // A raw send() whose reply is not read yet: no NOOP could take that reply's place.
      client.send('SITE SLOW');
      await sleep(1_600); // the reply is there after 900 ms, unread; a NOOP would be due every 250 ms
      expect(noops).toBe(1);
      expect((await client.readReply()).lines.join(' ')).toBe('slow site done');
      await waitUntil(() => noops === 2, 3_000, 'keepalive NOOPs again once the reply is read');
    } finally {
      client.close();
    }
  });
});
