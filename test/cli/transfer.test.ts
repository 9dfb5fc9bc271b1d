import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { tftp } from '../support/cli.js';

let server: RunningFtpSrv;
let local: string;
const big = randomBytes(5 * 1024 * 1024 + 123);

beforeAll(async () => {
  server = await startFtpSrv({ users: { alice: 's3cret' } });
  await writeFile(join(server.root, 'big.bin'), big);
});
afterAll(() => server.close());
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-local-'));
  return () => rm(local, { recursive: true, force: true });
});

const hostArgs = () => ['127.0.0.1', '-P', String(server.port)];

describe.each([['--passive'], ['--active']])('get and put in %s mode', (mode) => {
  it('downloads a multi-MiB file byte-identical, without leaving a .part', async () => {
    const dest = join(local, 'copy.bin');
    const r = await tftp(['get', mode, ...hostArgs(), 'big.bin', dest]);
    expect(r.stderr).toMatch(/downloaded big\.bin: 5\.00 MiB/);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(big)).toBe(true);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('uploads a multi-MiB file byte-identical', async () => {
    const src = join(local, 'up.bin');
    const data = randomBytes(3 * 1024 * 1024 + 7);
    await writeFile(src, data);
    const name = `up${mode}.bin`;
    const r = await tftp(['put', mode, ...hostArgs(), src, name]);
    expect(r.code).toBe(0);
    expect((await readFile(join(server.root, name))).equals(data)).toBe(true);
  });
});

describe('get', () => {
  it('takes an ftp:// URL and names the local file after the remote one', async () => {
    const r = await tftp(['get', `${server.url}/big.bin`, join(local, 'big.bin')]);
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'big.bin'))).equals(big)).toBe(true);
  });

  it('writes to stdout with -', async () => {
    const r = await tftp(['get', '-q', ...hostArgs(), 'big.bin', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(big)).toBe(true);
    expect(r.stderr).toBe('');
  });

  it('converts CRLF to LF in --ascii mode', async () => {
    await writeFile(join(server.root, 'dos.txt'), 'one\r\ntwo\r\n\r\nthree\r\n');
    const r = await tftp(['get', '--ascii', ...hostArgs(), 'dos.txt', join(local, 'dos.txt')]);
    expect(r.code).toBe(0);
    expect(await readFile(join(local, 'dos.txt'), 'utf8')).toBe('one\ntwo\n\nthree\n');
  });

  it('--rest N keeps the first N local bytes and fetches the rest', async () => {
    const dest = join(local, 'rest.bin');
    const mine = Buffer.alloc(1000, 0x41); // deliberately not the remote bytes
    await writeFile(dest, mine);
    const r = await tftp(['get', '--rest', '1000', ...hostArgs(), 'big.bin', dest]);
    expect(r.code).toBe(0);
    const got = await readFile(dest);
    expect(got.subarray(0, 1000).equals(mine)).toBe(true);
    expect(got.subarray(1000).equals(big.subarray(1000))).toBe(true);
  });

  it('--rest to stdout prints only the tail', async () => {
    const r = await tftp(['get', '-q', '--rest', String(big.length - 10), ...hostArgs(), 'big.bin', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(big.subarray(big.length - 10))).toBe(true);
  });

  it('--rest beyond a shorter local file is a local error (exit 7)', async () => {
    const dest = join(local, 'short.bin');
    await writeFile(dest, 'abc');
    const r = await tftp(['get', '--rest', '100', ...hostArgs(), 'big.bin', dest]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/fewer than the --rest offset 100/);
    expect(await readFile(dest, 'utf8')).toBe('abc');
  });

  it('-c continues an interrupted download from its .part', async () => {
    const dest = join(local, 'resume.bin');
    await writeFile(dest + '.part', big.subarray(0, 1_234_567));
    const r = await tftp(['get', '-c', ...hostArgs(), 'big.bin', dest]);
    expect(r.code).toBe(0);
    expect((await readFile(dest)).equals(big)).toBe(true);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('-c on a complete file does nothing and succeeds', async () => {
    const dest = join(local, 'done.bin');
    await writeFile(dest, big);
    const r = await tftp(['get', '-c', ...hostArgs(), 'big.bin', dest]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/already complete/);
    expect((await readFile(dest)).equals(big)).toBe(true);
  });

  it('a missing remote file exits 5 and leaves no file behind', async () => {
    const dest = join(local, 'nope.bin');
    const r = await tftp(['get', ...hostArgs(), 'nope.bin', dest]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^tftp: 55\d /); // ftp-srv says 551
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('a missing local folder exits 7', async () => {
    const r = await tftp(['get', ...hostArgs(), 'big.bin', join(local, 'no/such/dir/f')]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/no such file or directory/);
  });
});

describe('put', () => {
  it('reads stdin with -', async () => {
    const r = await tftp(['put', '-q', ...hostArgs(), '-', 'from-stdin.txt'], { stdin: 'piped data\n' });
    expect(r.code).toBe(0);
    expect(await readFile(join(server.root, 'from-stdin.txt'), 'utf8')).toBe('piped data\n');
  });

  it('converts LF to CRLF in --ascii mode', async () => {
    const src = join(local, 'unix.txt');
    await writeFile(src, 'one\ntwo\r\nthree\n');
    const r = await tftp(['put', '--ascii', ...hostArgs(), src, 'ascii-up.txt']);
    expect(r.code).toBe(0);
    // ftp-srv stores what it receives, so this is exactly what we sent.
    expect(await readFile(join(server.root, 'ascii-up.txt'), 'utf8')).toBe('one\r\ntwo\r\nthree\r\n');
  });

  it('a URL ending in / keeps the local name', async () => {
    const src = join(local, 'named.txt');
    await writeFile(src, 'x');
    const r = await tftp(['put', `${server.url}/`, src]);
    expect(r.code).toBe(0);
    expect(await readFile(join(server.root, 'named.txt'), 'utf8')).toBe('x');
  });

  it('logs in as a named user', async () => {
    const src = join(local, 'alice.txt');
    await writeFile(src, 'alice was here');
    const r = await tftp(['put', '-u', 'alice', '--password', 's3cret', ...hostArgs(), src]);
    expect(r.code).toBe(0);
    expect(await readFile(join(server.root, 'alice.txt'), 'utf8')).toBe('alice was here');
  });

  it('a missing local file exits 7 before connecting', async () => {
    const r = await tftp(['put', ...hostArgs(), join(local, 'absent.txt')]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/absent\.txt: no such file or directory/);
  });

  it('a local directory exits 7', async () => {
    const r = await tftp(['put', ...hostArgs(), local]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/is a directory/);
  });
});

describe('ls', () => {
  it('prints the LIST lines on stdout', async () => {
    const r = await tftp(['ls', server.url]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/big\.bin/);
    expect(r.stdout.toString()).not.toMatch(/\r/);
  });

  it('prints names only with --names', async () => {
    const r = await tftp(['ls', '--names', ...hostArgs()]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString().split('\n')).toContain('big.bin');
  });
});

describe('errors', () => {
  it('a rejected login exits 4', async () => {
    const r = await tftp(['ls', '-u', 'alice', ...hostArgs()], { env: { TFTP_PASSWORD: 'wrong' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^tftp: login rejected: 530/);
  });

  it('a closed port exits 3', async () => {
    const r = await tftp(['ls', '127.0.0.1', '-P', '1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1: connection refused/);
  });

  it('an unknown flag exits 2', async () => {
    const r = await tftp(['get', '--frobnicate', 'host', 'f']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });

  it('a bad port exits 2', async () => {
    const r = await tftp(['get', '-P', '99999', 'host', 'f']);
    expect(r.code).toBe(2);
  });

  it.each([['a\r\nDELE x'], ['a\nb'], ['a\0b']])('a remote path with control characters (%j) exits 2 before connecting', async (path) => {
    const r = await tftp(['get', '127.0.0.1', '-P', '1', path, join(local, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CR, LF or NUL/);
  });

  it('--help lists the exit codes and exits 0', async () => {
    const r = await tftp(['get', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/Exit codes:[\s\S]*130\s+interrupted/);
  });
});
