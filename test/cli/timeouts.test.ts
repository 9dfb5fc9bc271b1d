import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import net, { type AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

let local: string;
let server: FakeServer | undefined;
let silent: net.Server | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-timeouts-'));
  return () => rm(local, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const s of held.splice(0)) s.destroy();
  silent?.close();
  silent = undefined;
});

/** Accepts connections and never says a word (a server, or a proxy, that hangs). */
const held: net.Socket[] = [];
async function startSilent(): Promise<number> {
  silent = net.createServer((s) => held.push(s.on('error', () => {})));
  await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', () => r()));
  return (silent.address() as AddressInfo).port;
}

async function timed<T>(work: Promise<T>): Promise<[T, number]> {
  const began = performance.now();
  const result = await work;
  return [result, (performance.now() - began) / 1000];
}

describe('--connect-timeout', () => {
  it('bounds the wait for the greeting, apart from --timeout: exit 3', async () => {
    const port = await startSilent();
    const [r, seconds] = await timed(tftp(['ls', '--timeout', '60', '--connect-timeout', '1', '-P', String(port), '127.0.0.1']));
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('tftp: no greeting from the server: no reply from server in 1 s\n');
    expect(seconds).toBeLessThan(10);
  });

  it('bounds a proxy that never answers its handshake', async () => {
    const port = await startSilent();
    const [r, seconds] = await timed(tftp(['ls', '--timeout', '60', '--connect-timeout', '1', '--proxy', `socks5://127.0.0.1:${port}`, 'ftp://127.0.0.1:21/']));
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('tftp: cannot connect to 127.0.0.1:21 through the proxy: timed out after 1 s\n');
    expect(seconds).toBeLessThan(10);
  });

  it('is not an idle limit: a transfer quieter than it, within --timeout, completes', async () => {
    server = await startFakeServer({ files: { 'f.txt': 'hello\n' }, handlers: { RETR: async (ctx) => (await new Promise((r) => setTimeout(r, 1_500)), ctx.fallback()) } });
    const r = await tftp(['get', '--connect-timeout', '1', '--timeout', '20', '-P', String(server.port), '127.0.0.1', 'f.txt', join(local, 'f.txt')]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(local, 'f.txt'), 'utf8')).toBe('hello\n');
  });
});

describe('-m, --max-time', () => {
  it('stops a transfer that takes too long: exit 6, one line, the .part kept for -c', async () => {
    const body = Buffer.alloc(200_000, 7);
    server = await startFakeServer({ files: { 'f.bin': body }, dataFaults: { RETR: { type: 'hold', bytes: 50_000 } } });
    const dest = join(local, 'f.bin');
    const [r, seconds] = await timed(tftp(['get', '-m', '1.5', '--timeout', '60', '-P', String(server.port), '127.0.0.1', 'f.bin', dest]));
    expect(r.code).toBe(6);
    expect(r.stderr).toBe('tftp: stopped after --max-time 1.5 s\n');
    expect(seconds).toBeLessThan(10);
    expect(existsSync(dest)).toBe(false);
    expect((await readFile(dest + '.part')).equals(body.subarray(0, 50_000))).toBe(true);
    expect(server.verbs()).toContain('ABOR');
  });

  it('counts the connect too, and applies to ls', async () => {
    const port = await startSilent();
    const [r, seconds] = await timed(tftp(['ls', '--max-time', '1', '--timeout', '60', '-P', String(port), '127.0.0.1']));
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/^tftp: stopped after --max-time 1 s/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(seconds).toBeLessThan(10);
  });

  it.each([
    ['rm', ['rm', 'f.bin']],
    ['quote', ['quote', 'NOOP']],
    ['stat', ['stat', 'f.bin']],
    ['sync', ['sync', 'LOCAL', 'ftp://127.0.0.1:PORT/site/']],
  ])('applies to %s too', async (_name, args) => {
    const port = await startSilent();
    const argv = args.map((a) => a.replace('PORT', String(port)).replace('LOCAL', local));
    const [r, seconds] = await timed(tftp([argv[0]!, '--max-time', '1', '--timeout', '60', ...(argv[0] === 'sync' ? [] : ['-P', String(port), '127.0.0.1']), ...argv.slice(1)]));
    expect(r.code, r.stderr.toString()).toBe(6);
    expect(r.stderr).toMatch(/^tftp: stopped after --max-time 1 s/);
    expect(seconds).toBeLessThan(10);
  });

  it('a run within the limit is untouched', async () => {
    server = await startFakeServer({ files: { 'f.txt': 'hello\n' } });
    const r = await tftp(['get', '-m', '20', '-P', String(server.port), '127.0.0.1', 'f.txt', join(local, 'f.txt')]);
    expect(r.code, r.stderr).toBe(0);
  });
});
