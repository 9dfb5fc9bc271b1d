import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// What tftp prints must not leak a password, and must not let a server write
// terminal control sequences to the user's terminal.

let local: string;
let server: FakeServer;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-trace-'));
  server = await startFakeServer({ files: { 'f.bin': 'hello' } });
});
afterEach(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

const SECRET = 'pa55-Wörd-s3cret';
const host = () => ['127.0.0.1', '-P', String(server.port), '--timeout', '1'];

describe('the password in the -v trace', () => {
  it.each([
    ['--password', ['-u', 'bob', '--password', SECRET], {}],
    ['TFTP_PASSWORD', ['-u', 'bob'], { TFTP_PASSWORD: SECRET }],
  ])('from %s is masked', async (_n, flags, env) => {
    const r = await tftp(['get', '-v', ...flags, ...host(), 'f.bin', join(local, 'f.bin')], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^> PASS \*{4}$/m);
    expect(r.stderr).toMatch(/^> USER bob$/m);
    expect(r.stderr).not.toContain(SECRET);
    expect(server.commands).toContain(`PASS ${SECRET}`);
  });

  it('from a URL is masked', async () => {
    const r = await tftp(['ls', '-v', `ftp://bob:${encodeURIComponent(SECRET)}@127.0.0.1:${server.port}/`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^> PASS \*{4}$/m);
    expect(r.stderr).not.toContain(SECRET);
  });

  it('is not in the error of a rejected login', async () => {
    server.handlers.PASS = `530 Login incorrect.`;
    const r = await tftp(['get', '-v', '-u', 'bob', ...host(), 'f.bin', join(local, 'f.bin')], { env: { TFTP_PASSWORD: SECRET } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^tftp: login rejected: 530 Login incorrect\.$/m);
    expect(r.stderr).not.toContain(SECRET);
  });
});

describe('the password in error messages', () => {
  it('a URL that cannot be reached does not echo its password', async () => {
    const r = await tftp(['get', `ftp://bob:${SECRET}@127.0.0.1:1/f.bin`, join(local, 'f.bin')]);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain(SECRET);
  });

  it('a URL with an unsupported scheme does not echo its password', async () => {
    const r = await tftp(['get', `http://bob:${SECRET}@127.0.0.1/f.bin`, join(local, 'f.bin')]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain(SECRET);
  });

  // A regression test: this once failed.
  it('a malformed URL does not echo its password', async () => {
    const r = await tftp(['get', `ftp://bob:${SECRET}@[127.0.0.1/f.bin`, join(local, 'f.bin')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tftp: invalid URL/);
    expect(r.stderr).not.toContain(SECRET);
  });
});

describe('control characters from the server', () => {
  const ESC = '\x1b';
  // A server's text carrying terminal escapes: retitle the window, clear the screen.
  const hostile = `No such file${ESC}]0;owned${'\x07'}${ESC}[2J${ESC}[1;1H`;

  // A regression test: this once failed.
  it('an error reply with ESC sequences is printed without them', async () => {
    server.handlers.RETR = `550 ${hostile}`;
    server.handlers.SIZE = '550 nope';
    const r = await tftp(['get', ...host(), 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^tftp: 550 No such file/);
    expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  // A regression test: this once failed.
  it('the -v trace of a greeting with ESC sequences is printed without them', async () => {
    await server.close();
    server = await startFakeServer({ greeting: `220 Hello ${hostile}`, files: { 'f.bin': 'hello' } });
    const r = await tftp(['get', '-v', ...host(), 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^< 220 Hello No such file/m);
    expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});
