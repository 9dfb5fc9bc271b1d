import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';
import { TEST_CA } from '../support/ftpsrv.js';

// Option values that can be judged without the server are refused before connecting.
let server: FakeServer;
let dir: string;
const body = 'checked bytes\n';
beforeAll(async () => {
  server = await startFakeServer({ files: { 'f.txt': body } });
  dir = await mkdtemp(join(tmpdir(), 'tftp-options-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.commands.length = 0;
  server.connections.length = 0;
});
const at = () => ['-P', String(server.port), '127.0.0.1'];

describe('--sha256', () => {
  it.each([
    ['too short', 'abc123'],
    ['not hex', 'g'.repeat(64)],
    ['65 digits', 'a'.repeat(65)],
    ['a sha256sum line', `${'a'.repeat(64)}  f.txt`],
  ])('%s is exit 2 before connecting', async (_what, value) => {
    const r = await tftp(['get', '--sha256', value, ...at(), 'f.txt', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: option '--sha256 <hex>' argument .* is invalid\. expected a SHA-256: 64 hex digits\n/);
    expect(server.connections).toEqual([]);
  });

  it('64 hex digits in any case are checked against the download', async () => {
    const sum = createHash('sha256').update(body).digest('hex').toUpperCase();
    const r = await tftp(['get', '--sha256', sum, ...at(), 'f.txt', join(dir, 'ok.txt')]);
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'ok.txt'), 'utf8')).toBe(body);
  });
});

describe('--ca-file', () => {
  it.each([
    ['a text file', 'not a certificate\n'],
    ['a private key only', '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n'],
    ['an empty file', ''],
  ])('holding %s is exit 2 before connecting', async (_what, text) => {
    const file = join(dir, 'bad.pem');
    await writeFile(file, text);
    const r = await tftp(['ls', '--tls', '--ca-file', file, ...at()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tftp: --ca-file ${file} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block)\n`);
    expect(server.connections).toEqual([]);
  });

  it('with a damaged certificate block is exit 2 before connecting', async () => {
    const file = join(dir, 'damaged.pem');
    const good = await readFile(TEST_CA, 'utf8');
    await writeFile(file, good + '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    const r = await tftp(['ls', '--tls', '--ca-file', file, ...at()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tftp: --ca-file ${file}: certificate 2 is not a valid PEM certificate\n`);
    expect(server.connections).toEqual([]);
  });

  it('doctor checks it the same way', async () => {
    const file = join(dir, 'bad.pem');
    await writeFile(file, 'nothing here\n');
    const r = await tftp(['doctor', '--ca-file', file, ...at()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds no PEM certificate/);
    expect(server.connections).toEqual([]);
  });
});

describe('--timeout', () => {
  it('longer than a timer can hold is exit 2, not a timeout at once', async () => {
    const r = await tftp(['ls', '--timeout', '3000000', ...at()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: option '--timeout <seconds>' argument '3000000' is invalid\. expected a positive number of seconds, at most 2147483 \(24 days\)\n/);
    expect(server.connections).toEqual([]);
    const longest = await tftp(['ls', '--names', '--timeout', '2147483', ...at()]);
    expect(longest.stderr).toBe('');
    expect(longest.code).toBe(0);
  });
});
