// tftp through real proxies to vsftpd and proftpd: dante (SOCKS 5, with and without
// username authentication) and tinyproxy (HTTP CONNECT, with and without Basic
// authentication). The control connection and every data connection go
// through the proxy: get, put, ls, get -r -j 4, --segments, plain, explicit and
// implicit FTPS (both servers require the data connections to resume the TLS session).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { setPidDir } from './helpers/daemon.js';
import { IN_CI, INSTALL_HINT, PASSWORD, USER, missingFor } from './helpers/env.js';
import { expectSameBytes } from './helpers/instance.js';
import { HTTP_PASSWORD, HTTP_USER, missingProxies, proxyVersions, startDante, startTinyproxy, type RunningProxy } from './helpers/proxies.js';
import { startProftpd, startVsftpd, type RunningServer } from './helpers/servers.js';
import { show, tftp, userArgs } from './helpers/tftp.js';

const certs = inject('interopCerts');
const runDir = inject('interopRunDir');
const missing = [...missingFor('vsftpd'), ...missingFor('proftpd'), ...missingProxies()];
if (!certs) missing.push(`the test certificates could not be made: ${inject('interopCertError')}`);

const data = randomBytes(3 * 1024 * 1024 + 777);
const tree: [string, Buffer][] = [
  ['a.bin', randomBytes(90_000)],
  ['b.bin', randomBytes(1)],
  ['sub/c.bin', randomBytes(400_000)],
  ['sub/d.bin', randomBytes(12_345)],
  ['e.bin', randomBytes(250_000)],
];

if (missing.length) {
  const why = `proxies: the interop suite cannot run here:\n  - ${missing.join('\n  - ')}\n(${INSTALL_HINT})`;
  if (IN_CI) {
    describe('proxies', () => {
      it('are installed', () => {
        throw new Error(why);
      });
    });
  } else {
    console.warn(`${why}\nskipping the proxies (CI=true makes this a failure)`);
    describe.skip('proxies', () => it('are installed', () => {}));
  }
} else {
  setPidDir(join(runDir, 'pids'));
  const servers = new Map<string, RunningServer>();
  const proxies = new Map<string, RunningProxy>();
  let work: string;
  let seq = 0;
  const local = (name: string) => join(work, `${++seq}-${name}`);

  const PROXIES = [
    ['dante (SOCKS 5)', () => `socks5://127.0.0.1:${proxies.get('dante')!.port}`],
    ['dante (SOCKS 5, socks5h, username authentication)', () => `socks5h://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${proxies.get('dante-auth')!.port}`],
    ['tinyproxy (HTTP CONNECT)', () => `http://127.0.0.1:${proxies.get('tinyproxy')!.port}`],
    ['tinyproxy (HTTP CONNECT, Basic authentication)', () => `http://${HTTP_USER}:${HTTP_PASSWORD}@127.0.0.1:${proxies.get('tinyproxy-auth')!.port}`],
  ] as const;

  beforeAll(async () => {
    servers.set('vsftpd', await startVsftpd({ runDir, certs: certs!, instance: 'vsftpd-proxy' }));
    servers.set('vsftpd-tls', await startVsftpd({ runDir, certs: certs!, tls: 'explicit', instance: 'vsftpd-proxy-tls' }));
    servers.set('vsftpd-implicit', await startVsftpd({ runDir, certs: certs!, tls: 'implicit', instance: 'vsftpd-proxy-implicit' }));
    servers.set('proftpd', await startProftpd({ runDir, certs: certs!, instance: 'proftpd-proxy' }));
    servers.set('proftpd-tls', await startProftpd({ runDir, certs: certs!, tls: 'explicit', instance: 'proftpd-proxy-tls' }));
    // tinyproxy allows CONNECT only to the ports it lists: the servers' control and passive ports.
    const ports = [...servers.values()].flatMap((s) => [s.port, ...Array.from({ length: s.pasvMax - s.pasvMin + 1 }, (_, i) => s.pasvMin + i)]);
    for (const p of [await startDante(runDir, false), await startDante(runDir, true), await startTinyproxy(runDir, false, ports), await startTinyproxy(runDir, true, ports)]) proxies.set(p.name, p);
    work = join(runDir, 'proxies-client');
    mkdirSync(join(work, 'home'), { recursive: true });
    for (const s of servers.values()) {
      writeFileSync(join(s.root, 'data.bin'), data, { mode: 0o644 });
      for (const [name, body] of tree) {
        mkdirSync(join(s.root, 'tree', 'sub'), { recursive: true, mode: 0o755 });
        writeFileSync(join(s.root, 'tree', name), body, { mode: 0o644 });
      }
    }
    console.log(`interop: ${proxyVersions()} in front of ${[...servers.values()].map((s) => `${s.version} on ${s.port}${s.tls ? ' (TLS)' : ''}`).join(', ')}`);
  });
  afterAll(async () => {
    for (const p of proxies.values()) await p.daemon.stop();
    for (const s of servers.values()) await s.stop();
  });

  const run = (args: string[], limitMs?: number) => tftp(args, { home: join(work, 'home'), ...(limitMs ? { limitMs } : {}) });

  for (const [label, proxy] of PROXIES) {
    for (const [name, mode] of [['vsftpd', 'plain'], ['vsftpd', 'explicit TLS'], ['vsftpd', 'implicit TLS'], ['proftpd', 'plain'], ['proftpd', 'explicit TLS']] as const) {
      describe(`${label}, ${name} ${mode}`, () => {
        const server = () => servers.get(mode === 'plain' ? name : mode === 'explicit TLS' ? `${name}-tls` : `${name}-implicit`)!;
        const conn = () => [...userArgs(server(), certs!), '--proxy', proxy()];
        const host = () => (proxy().startsWith('socks5h') ? 'localhost' : '127.0.0.1');

        it('get: byte-identical', async () => {
          const dest = local('get.bin');
          const r = await run(['get', '-v', ...conn(), host(), 'data.bin', dest]);
          expect(r.code, show(r)).toBe(0);
          expectSameBytes(readFileSync(dest), data, 'downloaded file');
          expect(r.stderr).toMatch(/^\* through proxy (socks5h?|http):\/\/127\.0\.0\.1:\d+$/m);
          expect(r.stderr).not.toContain(PASSWORD);
          expect(r.stderr).not.toContain(HTTP_PASSWORD);
        });

        it('put: byte-identical on the server', async () => {
          const src = local('put.bin');
          writeFileSync(src, data);
          const name = `put-${seq}.bin`;
          const r = await run(['put', ...conn(), host(), src, `${server().upload}/${name}`]);
          expect(r.code, show(r)).toBe(0);
          expectSameBytes(readFileSync(join(server().uploadLocal, name)), data, 'uploaded file');
        });

        it('ls', async () => {
          const r = await run(['ls', ...conn(), host()]);
          expect(r.code, show(r)).toBe(0);
          expect(r.stdout.toString()).toMatch(/ data\.bin$/m);
        });

        it('get -r -j 4: every file byte-identical', async () => {
          const dest = local('tree');
          const r = await run(['get', '-r', '-j', '4', ...conn(), host(), 'tree', dest]);
          expect(r.code, show(r)).toBe(0);
          for (const [name, body] of tree) expectSameBytes(readFileSync(join(dest, name)), body, `tree/${name}`);
        });

        it('get --segments 4: byte-identical', async () => {
          const dest = local('seg.bin');
          const r = await run(['get', '--segments', '4', ...conn(), host(), 'data.bin', dest]);
          expect(r.code, show(r)).toBe(0);
          expect(r.stderr).not.toMatch(/over one connection/);
          expectSameBytes(readFileSync(dest), data, 'segmented download');
        });
      });
    }
  }

  describe('proxy failures: one line naming the proxy, exit 3', () => {
    it('dante refuses a wrong password', async () => {
      const url = `socks5://${USER}:wrong-Secret-1@127.0.0.1:${proxies.get('dante-auth')!.port}`;
      const r = await run(['ls', ...userArgs(servers.get('vsftpd')!, certs!), '--proxy', url, '127.0.0.1']);
      expect(r.code, show(r)).toBe(3);
      expect(r.stderr).toMatch(/proxy socks5:\/\/127\.0\.0\.1:62201: authentication failed/);
      expect(r.stderr).not.toContain('wrong-Secret-1');
    });

    it('dante with username authentication, asked without credentials', async () => {
      const r = await run(['ls', ...userArgs(servers.get('vsftpd')!, certs!), '--proxy', `socks5://127.0.0.1:${proxies.get('dante-auth')!.port}`, '127.0.0.1']);
      expect(r.code, show(r)).toBe(3);
      expect(r.stderr).toMatch(/proxy socks5:\/\/127\.0\.0\.1:62201: no authentication method accepted/);
    });

    it('dante cannot reach the server (nothing listens there)', async () => {
      const r = await run(['ls', '-P', '1', '--proxy', `socks5://127.0.0.1:${proxies.get('dante')!.port}`, '127.0.0.1']);
      expect(r.code, show(r)).toBe(3);
      expect(r.stderr).toMatch(/proxy socks5:\/\/127\.0\.0\.1:62200 cannot reach 127\.0\.0\.1:1/);
    });

    it('tinyproxy wants credentials, and refuses a port it does not allow', async () => {
      const noAuth = await run(['ls', ...userArgs(servers.get('vsftpd')!, certs!), '--proxy', `http://127.0.0.1:${proxies.get('tinyproxy-auth')!.port}`, '127.0.0.1']);
      expect(noAuth.code, show(noAuth)).toBe(3);
      expect(noAuth.stderr).toMatch(/proxy http:\/\/127\.0\.0\.1:62211: wants a user name and password \(407/);
      const port = await run(['ls', '-P', '2', '--proxy', `http://127.0.0.1:${proxies.get('tinyproxy')!.port}`, '127.0.0.1']);
      expect(port.code, show(port)).toBe(3);
      expect(port.stderr).toMatch(/proxy http:\/\/127\.0\.0\.1:62210 refused CONNECT to 127\.0\.0\.1:2: 403/);
    });

    it('active mode through a proxy: exit 2', async () => {
      const r = await run(['get', '--active', ...userArgs(servers.get('vsftpd')!, certs!), '--proxy', `socks5://127.0.0.1:${proxies.get('dante')!.port}`, '127.0.0.1', 'data.bin', local('x')]);
      expect(r.code, show(r)).toBe(2);
    });
  });
}
