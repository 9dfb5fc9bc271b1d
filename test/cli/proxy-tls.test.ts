import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, TEST_CA, type RunningFtpSrv } from '../support/ftpsrv.js';
import { tftp } from '../support/cli.js';
import { startHttpProxy, startSocksProxy, type TestProxy } from '../support/proxies.js';
import { connect } from '../../src/index.js';

let explicit: RunningFtpSrv;
let implicit: RunningFtpSrv;
let socks: TestProxy;
let http: TestProxy;
let local: string;
const body = randomBytes(1024 * 1024 + 5);

beforeAll(async () => {
  explicit = await startFtpSrv({ tls: 'explicit', users: { alice: 's3cret' } });
  implicit = await startFtpSrv({ tls: 'implicit', users: { alice: 's3cret' } });
  for (const s of [explicit, implicit]) await writeFile(join(s.root, 'f.bin'), body);
  socks = await startSocksProxy({ auth: { user: 'pxuser', password: 'pxsecret' } });
  http = await startHttpProxy({ auth: { user: 'pxuser', password: 'pxsecret' } });
});
afterAll(async () => {
  await Promise.all([explicit.close(), implicit.close(), socks.close(), http.close()]);
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-proxy-tls-'));
  return () => rm(local, { recursive: true, force: true });
});

describe.each([
  ['socks5h', () => socks.url.replace(/^socks5:/, 'socks5h:')],
  ['http', () => http.url],
])('FTPS through %s', (_name, proxyUrl) => {
  it.each([
    ['explicit', () => `ftpes://alice:s3cret@127.0.0.1:${explicit.port}`],
    ['implicit', () => `ftps://alice:s3cret@127.0.0.1:${implicit.port}`],
  ])('%s: get and put, the certificate checked against the server name', async (_mode, base) => {
    const dest = join(local, 'f.bin');
    const got = await tftp(['get', '-v', '--ca-file', TEST_CA, '--proxy', proxyUrl(), `${base()}/f.bin`, dest]);
    expect(got.code, got.stderr).toBe(0);
    expect((await readFile(dest)).equals(body)).toBe(true);
    expect(got.stderr).toMatch(/^\* through proxy (socks5h|http):\/\/127\.0\.0\.1:\d+$/m);
    expect(got.stderr).toMatch(/^\* TLS TLSv1\.[23]/m);
    expect(got.stderr).not.toMatch(/pxsecret|pxuser/);
    const put = await tftp(['put', '--ca-file', TEST_CA, '--proxy', proxyUrl(), `${base()}/`, dest, `up-${_mode}-${_name}.bin`]);
    expect(put.code, put.stderr).toBe(0);
    const root = _mode === 'explicit' ? explicit.root : implicit.root;
    expect((await readFile(join(root, `up-${_mode}-${_name}.bin`))).equals(body)).toBe(true);
  });
});

describe('the library', () => {
  it('connect() with a proxy: lists and downloads through it', async () => {
    const before = socks.targets.length;
    const ftp = await connect(`ftpes://alice:s3cret@127.0.0.1:${explicit.port}`, { proxy: socks.url, tls: { caFile: TEST_CA } });
    try {
      expect((await ftp.list()).map((e) => e.name)).toContain('f.bin');
      await ftp.download('f.bin', join(local, 'lib.bin'));
      expect((await readFile(join(local, 'lib.bin'))).equals(body)).toBe(true);
    } finally {
      await ftp.close();
    }
    expect(socks.targets.length - before).toBeGreaterThanOrEqual(3); // control, LIST, RETR
  });

  it('connect() refuses active mode through a proxy, and a bad proxy URL, as argument errors', async () => {
    await expect(connect(`ftp://127.0.0.1:${explicit.port}`, { proxy: 'gopher://x' })).rejects.toMatchObject({ kind: 'argument' });
    const ftp = await connect(`ftpes://alice:s3cret@127.0.0.1:${explicit.port}`, { proxy: socks.url, passive: false, tls: { caFile: TEST_CA } });
    try {
      await expect(ftp.list()).rejects.toMatchObject({ kind: 'argument', message: expect.stringMatching(/active mode .* cannot work through a proxy/) });
    } finally {
      await ftp.close();
    }
  });
});
