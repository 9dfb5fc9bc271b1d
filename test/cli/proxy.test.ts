import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { tftp } from '../support/cli.js';
import { startHttpProxy, startSocksProxy, type TestProxy } from '../support/proxies.js';

let server: RunningFtpSrv;
let local: string;
const big = randomBytes(3 * 1024 * 1024 + 321);

beforeAll(async () => {
  server = await startFtpSrv({ users: { alice: 's3cret' } });
  await writeFile(join(server.root, 'big.bin'), big);
  await mkdir(join(server.root, 'tree/sub'), { recursive: true });
  for (let i = 0; i < 6; i++) await writeFile(join(server.root, `tree/${i < 3 ? '' : 'sub/'}f${i}.txt`), `file ${i}\n`.repeat(100 + i));
});
afterAll(() => server.close());
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-proxy-'));
  return () => rm(local, { recursive: true, force: true });
});

const url = (path: string) => `ftp://alice:s3cret@127.0.0.1:${server.port}/${path}`;
/** A proxy URL with another scheme on the same test proxy. */
const as = (proxy: TestProxy, scheme: string) => proxy.url.replace(/^[a-z0-9]+:/, `${scheme}:`);

describe.each([
  ['socks5', () => startSocksProxy(), 'socks5'],
  ['socks5h', () => startSocksProxy(), 'socks5h'],
  ['socks4a', () => startSocksProxy(), 'socks4a'],
  ['socks5 with a user and password', () => startSocksProxy({ auth: { user: 'pxuser', password: 'px:pass' } }), 'socks5'],
  ['http CONNECT', () => startHttpProxy(), 'http'],
  ['http CONNECT with a user and password', () => startHttpProxy({ auth: { user: 'pxuser', password: 'px:pass' } }), 'http'],
])('through %s', (_name, start, scheme) => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await start();
  });
  afterAll(() => proxy.close());

  it('gets a file byte for byte, the control and the data connection both through the proxy', async () => {
    const before = proxy.targets.length;
    const dest = join(local, 'big.bin');
    const r = await tftp(['get', '--proxy', as(proxy, scheme), url('big.bin'), dest]);
    expect(r.stderr).not.toMatch(/px:pass|px%3Apass/);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(big)).toBe(true);
    const asked = proxy.targets.slice(before);
    expect(asked[0]).toBe(`127.0.0.1:${server.port}`);
    expect(asked.length).toBeGreaterThanOrEqual(2); // and the data connection
    expect(asked.slice(1).every((t) => t.startsWith('127.0.0.1:') && t !== asked[0])).toBe(true);
  });

  it('puts a file, and lists the folder', async () => {
    const src = join(local, 'up.bin');
    const data = randomBytes(700_000);
    await writeFile(src, data);
    const name = `up-${scheme}-${proxy.port}.bin`;
    const put = await tftp(['put', '--proxy', as(proxy, scheme), url(''), src, name]);
    expect(put.code).toBe(0);
    expect((await readFile(join(server.root, name))).equals(data)).toBe(true);
    const ls = await tftp(['ls', '--proxy', as(proxy, scheme), url('')]);
    expect(ls.code).toBe(0);
    expect(ls.stdout.toString()).toContain(name);
  });

  it('gets a tree over 4 connections and a file in 3 segments', async () => {
    const before = proxy.accepted;
    const tree = await tftp(['get', '-r', '-j', '4', '--proxy', as(proxy, scheme), url('tree'), join(local, 'tree')]);
    expect(tree.code).toBe(0);
    for (let i = 0; i < 6; i++) {
      const rel = `${i < 3 ? '' : 'sub/'}f${i}.txt`;
      expect(await readFile(join(local, 'tree', rel), 'utf8')).toBe(await readFile(join(server.root, 'tree', rel), 'utf8'));
    }
    const seg = await tftp(['get', '--segments', '3', '--proxy', as(proxy, scheme), url('big.bin'), join(local, 'seg.bin')]);
    expect(seg.code).toBe(0);
    expect((await readFile(join(local, 'seg.bin'))).equals(big)).toBe(true);
    expect(proxy.accepted - before).toBeGreaterThanOrEqual(6 + 3);
  });
});

describe('socks5h and socks5: who resolves the name', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startSocksProxy();
  });
  afterAll(() => proxy.close());

  it('socks5h hands the proxy the host name, socks5 the address resolved here', async () => {
    const byName = `ftp://alice:s3cret@localhost:${server.port}/big.bin`;
    let before = proxy.targets.length;
    const h = await tftp(['get', '--proxy', as(proxy, 'socks5h'), byName, join(local, 'a.bin')]);
    expect(h.code).toBe(0);
    expect(proxy.targets.slice(before).every((t) => t.startsWith('localhost:'))).toBe(true);
    before = proxy.targets.length;
    const plain = await tftp(['get', '--proxy', as(proxy, 'socks5'), byName, join(local, 'b.bin')]);
    expect(plain.code).toBe(0);
    expect(proxy.targets.slice(before).every((t) => t.startsWith('127.0.0.1:'))).toBe(true);
    expect((await readFile(join(local, 'b.bin'))).equals(big)).toBe(true);
  });
});

describe('proxy failures: one line naming the proxy, exit 3', () => {
  it('a SOCKS proxy that refuses the password', async () => {
    const proxy = await startSocksProxy({ auth: { user: 'pxuser', password: 'right' } });
    try {
      const bad = proxy.url.replace('right', 'wrong-secret');
      const r = await tftp(['get', '-v', '--proxy', bad, url('big.bin'), join(local, 'x')]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`proxy socks5://127\\.0\\.0\\.1:${proxy.port}: authentication failed`));
      expect(r.stderr).not.toMatch(/wrong-secret|pxuser/);
      const none = await tftp(['get', '--proxy', `socks5://127.0.0.1:${proxy.port}`, url('big.bin'), join(local, 'x')]);
      expect(none.code).toBe(3);
      expect(none.stderr).toMatch(/no authentication method accepted/);
    } finally {
      await proxy.close();
    }
  });

  it('an HTTP proxy that wants credentials, or refuses the ones given', async () => {
    const proxy = await startHttpProxy({ auth: { user: 'pxuser', password: 'right' } });
    try {
      const none = await tftp(['ls', '--proxy', `http://127.0.0.1:${proxy.port}`, url('')]);
      expect(none.code).toBe(3);
      expect(none.stderr).toMatch(/proxy http:\/\/127\.0\.0\.1:\d+: wants a user name and password \(407/);
      const bad = await tftp(['ls', '--json', '--proxy', `http://pxuser:wrong-secret@127.0.0.1:${proxy.port}`, url('')]);
      expect(bad.code).toBe(3);
      expect(bad.stderr).toMatch(/authentication failed/);
      expect(bad.stderr + bad.stdout.toString()).not.toMatch(/wrong-secret/);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that cannot reach the server', async () => {
    for (const proxy of [await startSocksProxy({ unreachable: true }), await startHttpProxy({ unreachable: true })]) {
      try {
        const r = await tftp(['ls', '--proxy', proxy.url, url('')]);
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(new RegExp(`proxy (socks5|http)://127\\.0\\.0\\.1:${proxy.port}.*(cannot reach|refused CONNECT)`));
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      } finally {
        await proxy.close();
      }
    }
  });

  it('no proxy listening', async () => {
    const gone = await startSocksProxy();
    await gone.close();
    const r = await tftp(['ls', '--proxy', `socks5://u:topsecret@127.0.0.1:${gone.port}`, url('')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`cannot connect to proxy socks5://127\\.0\\.0\\.1:${gone.port}: connection refused`));
    expect(r.stderr).not.toMatch(/topsecret/);
  });
});

describe('proxy settings', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startSocksProxy();
  });
  afterAll(() => proxy.close());

  it('active mode through a proxy is refused before connecting: exit 2', async () => {
    const before = proxy.accepted;
    const r = await tftp(['get', '--active', '--proxy', proxy.url, url('big.bin'), join(local, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--active cannot work through a proxy/);
    expect(proxy.accepted).toBe(before);
  });

  it('ALL_PROXY is used; NO_PROXY, --noproxy and --proxy "" go direct', async () => {
    let before = proxy.accepted;
    const viaEnv = await tftp(['ls', url('')], { env: { ALL_PROXY: proxy.url } });
    expect(viaEnv.code).toBe(0);
    expect(proxy.accepted).toBeGreaterThan(before);
    for (const [args, env] of [
      [[], { ALL_PROXY: proxy.url, NO_PROXY: 'example.com, 127.0.0.0/8' }],
      [[], { all_proxy: proxy.url, no_proxy: '*' }],
      [['--noproxy', '127.0.0.1'], { ALL_PROXY: proxy.url, NO_PROXY: 'example.com' }],
      [['--proxy', ''], { ALL_PROXY: proxy.url }],
    ] as [string[], Record<string, string>][]) {
      before = proxy.accepted;
      const r = await tftp(['ls', ...args, url('')], { env });
      expect(r.code, JSON.stringify(env)).toBe(0);
      expect(proxy.accepted, JSON.stringify([args, env])).toBe(before);
    }
  });

  it('a bad proxy URL is a usage error, its password not shown', async () => {
    for (const bad of ['ftp://127.0.0.1:1', '127.0.0.1:1080', 'socks5://user:hunter2@/']) {
      const r = await tftp(['ls', '--proxy', bad, url('')]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr.trim().split('\n'), bad).toHaveLength(1);
      expect(r.stderr).not.toMatch(/hunter2/);
    }
  });
});

describe('credentials of the proxy stay out of every output', () => {
  it('NDJSON events and the error line of get --json', async () => {
    const proxy = await startSocksProxy({ auth: { user: 'pxuser', password: 'right' } });
    try {
      const r = await tftp(['get', '--json', '--proxy', proxy.url.replace('right', 'n0t-R1ght'), url('big.bin'), join(local, 'x')]);
      expect(r.code).toBe(3);
      const events = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { event: string; code?: number; message?: string });
      expect(events.find((e) => e.event === 'error')).toMatchObject({ code: 3, message: expect.stringMatching(/^proxy socks5:\/\/127\.0\.0\.1:\d+: authentication failed/) });
      expect(r.stdout.toString() + r.stderr).not.toMatch(/n0t-R1ght|pxuser/);
    } finally {
      await proxy.close();
    }
  });
});

describe('doctor through a proxy', () => {
  it('checks the passive modes through it, and says active mode cannot work', async () => {
    const proxy = await startSocksProxy();
    try {
      const r = await tftp(['doctor', '--json', '--proxy', proxy.url, url('')]);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.stringify(JSON.parse(r.stdout.toString()));
      expect(report).toMatch(/active mode \(--active\) cannot work through a proxy/);
      expect(proxy.targets.filter((t) => t === `127.0.0.1:${server.port}`).length).toBeGreaterThanOrEqual(1);
      expect(proxy.targets.some((t) => t !== `127.0.0.1:${server.port}`)).toBe(true); // its data connections
    } finally {
      await proxy.close();
    }
  });
});

describe("bytes read past the proxy's answer", () => {
  it.each([
    ['socks5', () => startSocksProxy({ coalesce: true }), 'socks5'],
    ['socks4a', () => startSocksProxy({ coalesce: true }), 'socks4a'],
    ['http', () => startHttpProxy({ coalesce: true }), 'http'],
  ])('%s: the greeting that came in one write with the answer is read, not lost', async (_name, start, scheme) => {
    const proxy = await start();
    try {
      const r = await tftp(['ls', '--timeout', '5', '--proxy', as(proxy, scheme), url('')]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.toString()).toMatch(/ big\.bin$/m);
    } finally {
      await proxy.close();
    }
  });
});
